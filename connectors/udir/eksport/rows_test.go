package eksport

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/skolestat/skolestat/connectors/cell"
)

var testCodes = Codes{Owners: map[string]string{"-10": "all", "3": "public", "4": "private"}}

// facts reads a testdata page whole, as one table of the year 2024, and
// writes each fact on a line: level code "name" grade owner gender measure
// "group" statistic value status.
func facts(t *testing.T, file string) ([]string, error) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ParsePage(body)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := range rows {
		k, err := KindOf(&rows[i])
		if err != nil {
			return out, err
		}
		fs, err := Facts(nil, &rows[i], k, 2024, testCodes)
		if err != nil {
			return out, err
		}
		for _, f := range fs {
			v := "null"
			if f.Value.Status == cell.OK {
				v = fmt.Sprint(f.Value.Number)
			}
			out = append(out, fmt.Sprintf("%s %s %q %d %s %s %s %q %s %s %s", k, f.Level, f.UnitName, f.Grade, f.Owner, f.Gender,
				f.Measure+"/"+f.UnitCode+"/"+f.Programme, f.Group, f.Statistic, v, f.Value.Status))
		}
	}
	return out, nil
}

func TestFacts(t *testing.T) {
	for _, c := range []struct {
		file string
		want []string
	}{
		{"indicator_148.json", []string{
			`indicator nation "Hele landet" 7 all all EUIndeks_1379/I/ "Trivsel" score 4.3 ok`,
			`indicator nation "Hele landet" 7 all all EUIndeks_1379/I/ "Trivsel" sd 0.7 ok`,
			`indicator nation "Hele landet" 7 all all EUIndeks_1379/I/ "Trivsel" answered 63187 ok`,
			// "*" is suppressed, never 0; the trailing space of the name goes.
			`indicator school "Abildsø skole" 7 all J EUIndeks_1379/974622882/ "Trivsel" score null suppressed`,
			`indicator school "Abildsø skole" 7 all J EUIndeks_1379/974622882/ "Trivsel" sd null suppressed`,
			`indicator school "Abildsø skole" 7 all J EUIndeks_1379/974622882/ "Trivsel" answered null suppressed`,
			// A question: the distribution too; "-", "" and null are missing;
			// "  1,4" and U+202F thousands are numbers.
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" score 1.4 ok`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" sd null missing`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" answered 1204 ok`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" share_answer_1 78.1 ok`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" share_answer_2 12 ok`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" share_answer_3 5.5 ok`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" share_answer_4 2.4 ok`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" share_answer_5 null missing`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" answered_answer_1 940 ok`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" answered_answer_2 145 ok`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" answered_answer_3 66 ok`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" answered_answer_4 29 ok`,
			`indicator municipality "Oslo" 7 public all EUSpoersmaal_Q11811/0301/ "Mobbing på skolen (%)" answered_answer_5 null missing`,
			// The bullying index's Score is a percentage.
			`indicator nation "Hele landet" 10 all all EUIndeks_1398/I/ "Mobbing på skolen (%)" share_bullied 6.2 ok`,
			`indicator nation "Hele landet" 10 all all EUIndeks_1398/I/ "Mobbing på skolen (%)" answered 2310 ok`,
		}},
		{"indicator_indikator.json", []string{
			`indicator nation "Hele landet" 7 all all EUIndeks_1379/I/ "Trivsel" score 4.3 ok`,
			`indicator nation "Hele landet" 7 all all EUIndeks_1379/I/ "Trivsel" sd 0.7 ok`,
			`indicator nation "Hele landet" 7 all all EUIndeks_1379/I/ "Trivsel" answered 63187 ok`,
		}},
		{"bullying_150.json", []string{
			`bullying nation "Hele landet" 7 all all EUIndeks_1398/I/ "Mobbing på skolen (%)" share_bullied 7.9 ok`,
			`bullying nation "Hele landet" 7 all all EUIndeks_1398/I/ "Mobbing på skolen (%)" answered 116 ok`,
		}},
		{"participation_151.json", []string{
			`participation county "Agder" 10 all all participation/42/ "" share_participated 88.6 ok`,
			`participation county "Agder" 10 all all participation/42/ "" answered 2950 ok`,
			`participation county "Agder" 10 all all participation/42/ "" invited 3329 ok`,
		}},
		// Upper secondary: no Kommunekode, EnhetNivaa 3 is a school.
		{"indicator_152_vgo.json", []string{
			`indicator school "Kvadraturen videregående skole" 11 all all EUIndeks_1379/974567890/SF "Trivsel" score 4.3 ok`,
			`indicator school "Kvadraturen videregående skole" 11 all all EUIndeks_1379/974567890/SF "Trivsel" sd 0.7 ok`,
			`indicator school "Kvadraturen videregående skole" 11 all all EUIndeks_1379/974567890/SF "Trivsel" answered 63187 ok`,
		}},
	} {
		t.Run(c.file, func(t *testing.T) {
			got, err := facts(t, c.file)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestFactsRejects: each change to a good row, and the field it must be
// blamed on.
func TestFactsRejects(t *testing.T) {
	good := `"Spoersmaalgruppe":"Trivsel","Spoersmaalkode":"EUIndeks_1379","Skoleaarnavn":"2024-25","EnhetNivaa":"3","Kommunekode":"0301","Kommune":"Oslo","Organisasjonsnummer":"0301","EnhetNavn":"Alle skoler","TrinnKode":"7","Eierformkode":"-10","KjoennKode":"A","Score":"4,1","Standardavvik":"0,8","AntallBesvart":"1 020"`
	for _, c := range []struct {
		name, from, to, field, msg string
	}{
		{"score above 5", `"Score":"4,1"`, `"Score":"5,1"`, "Score", "outside 1-5"},
		{"score below 1", `"Score":"4,1"`, `"Score":"0,9"`, "Score", "outside 1-5"},
		{"negative deviation", `"Standardavvik":"0,8"`, `"Standardavvik":"-  4,5"`, "Standardavvik", "deviation -4.5 is negative"},
		{"no number", `"Score":"4,1"`, `"Score":"4,1,2"`, "Score", "not a number"},
		{"fractional count", `"AntallBesvart":"1 020"`, `"AntallBesvart":"10,5"`, "AntallBesvart", "whole"},
		{"no score", `"Score":"4,1",`, `"AndelMobbet":"4,1",`, "AntallBesvart", ""}, // a bullying row then: fine until AntallBesvart... see below
		{"no AntallBesvart", `,"AntallBesvart":"1 020"`, ``, "AntallBesvart", "missing"},
		{"no group", `"Spoersmaalgruppe":"Trivsel",`, ``, "Spoersmaalgruppe", "Indikator"},
		{"no question", `"Spoersmaalkode":"EUIndeks_1379",`, ``, "Spoersmaalkode", "missing"},
		{"level 5", `"EnhetNivaa":"3"`, `"EnhetNivaa":"5"`, "EnhetNivaa", "not 1-4"},
		{"no level", `"EnhetNivaa":"3",`, ``, "EnhetNivaa", "missing"},
		{"code of a school at level 3", `"Organisasjonsnummer":"0301"`, `"Organisasjonsnummer":"974622882"`, "Organisasjonsnummer", "no municipality code"},
		{"neither GSK nor VGO", `"Kommunekode":"0301",`, ``, "Kommunekode", "programme"},
		{"other year", `"2024-25"`, `"2023-24"`, "Skoleaarnavn", "asked for 2024-25"},
		{"grade 14", `"TrinnKode":"7"`, `"TrinnKode":"14"`, "TrinnKode", "not a grade"},
		{"unknown owner", `"Eierformkode":"-10"`, `"Eierformkode":"9"`, "Eierformkode", "not an EierformID"},
		{"unknown gender", `"KjoennKode":"A"`, `"KjoennKode":"X"`, "KjoennKode", "not A, G or J"},
	} {
		t.Run(c.name, func(t *testing.T) {
			row := strings.Replace(good, c.from, c.to, 1)
			if row == good {
				t.Fatalf("%q is not in the row", c.from)
			}
			rows, err := ParsePage([]byte("[{" + row + "}]"))
			if err != nil {
				t.Fatal(err)
			}
			k, err := KindOf(&rows[0])
			if err == nil {
				_, err = Facts(nil, &rows[0], k, 2024, testCodes)
			}
			if c.name == "no score" {
				// Without Score but with AndelMobbet the row is a bullying
				// row, which it may be: the kind is told by the fields.
				if k != Bullying || err != nil {
					t.Errorf("kind %s, err %v; want a bullying row", k, err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("err %v, want a FieldError on %s saying %q", err, c.field, c.msg)
			}
		})
	}
	// A row with no value field at all, and a Tema row.
	rows, _ := ParsePage([]byte(`[{"EnhetNivaa":"1"}]`))
	if _, err := KindOf(&rows[0]); err == nil {
		t.Error("a row without value fields has a kind")
	}
	got, err := facts(t, "theme_149.json")
	var fe *FieldError
	if len(got) != 0 || !errors.As(err, &fe) || fe.Field != "Temakode" {
		t.Errorf("Tema table: %v %v, want an error on Temakode", got, err)
	}
}

func TestParsePage(t *testing.T) {
	for _, c := range []struct {
		body string
		rows int
		ok   bool
	}{
		{`[]`, 0, true},
		{` [ ] `, 0, true},
		{`[{"Score":4.2,"AntallBesvart":null}]`, 1, true},
		{`null`, 0, false},
		{`{"kode":400,"melding":"Filter må oppgis!"}`, 0, false},
		{`[{"Score":true}]`, 0, false},
		{`[{"Score":{"a":1}}]`, 0, false},
		{`[`, 0, false},
	} {
		rows, err := ParsePage([]byte(c.body))
		if (err == nil) != c.ok || len(rows) != c.rows {
			t.Errorf("%s: %d rows, err %v", c.body, len(rows), err)
		}
	}
	rows, _ := ParsePage([]byte(`[{"Score":4.2,"AntallBesvart":null}]`))
	if s := rows[0].Score; s.Text != "4.2" || !s.Present || s.Null {
		t.Errorf("Score %+v", s)
	}
	if a := rows[0].AntallBesvart; !a.Present || !a.Null {
		t.Errorf("AntallBesvart %+v", a)
	}
	if rows[0].Standardavvik.Present {
		t.Error("absent Standardavvik is Present")
	}
}
