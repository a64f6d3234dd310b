package udir

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/skolestat/skolestat/connectors/cell"
)

// conformanceDir holds the captured udir responses (shared/conformance/udir),
// read in place: they are never copied into the repository.
var conformanceDir = filepath.Join("..", "..", "..", "shared", "conformance", "udir")

// fixture reads a captured response, skipping the test when the shared
// conformance files are not on this machine.
func fixture(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(conformanceDir, rel))
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("conformance fixture %s not present", rel)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// rawCounts counts a data response's values without the parser: decoded
// into generic maps, every value and every "*" and "" string.
func rawCounts(t *testing.T, b []byte) (rows, values, stars, empty int) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc["rows"].([]any) {
		rows++
		for _, v := range r.(map[string]any)["data"].([]any) {
			values++
			switch v.(string) {
			case "*":
				stars++
			case "":
				empty++
			}
		}
	}
	return rows, values, stars, empty
}

func TestParsePivotFixtures(t *testing.T) {
	tests := []struct {
		file       string
		rows       int
		measures   []string
		levels     int
		suppressed int // as SOURCES.md states, where it states it
		missing    int
	}{
		{"udir-nasjonale-prover/data.ungdomstrinn.grade8.NPLES.anchor12.json", 371,
			[]string{"Skalapoeng", "Usikkerhet", "Antall elever deltatt"}, 6, 132, 3},
		{"udir-nasjonale-prover/data.ungdomstrinn.grade8.NPLES.anchor13.json", 2,
			[]string{"Skalapoeng", "Usikkerhet", "Antall elever deltatt"}, 6, 0, 0},
		{"udir-nasjonale-prover/data.trinn5.NPLES.anchor12.json", 372,
			[]string{"Skalapoeng", "Usikkerhet", "Antall elever deltatt"}, 6, 138, 0},
		{"udir-gsi/data_202410.json", 373, gsiMeasures, 6, 195, 0},
		{"udir-gsi/data_202510.json", 373, gsiMeasures, 6, 174, 0},
		{"udir-fravar/data.202506.anchor12.json", 371,
			[]string{"Median dager", "Median timer", "Snitt dager", "Snitt timer", "Antall elever"}, 4, 50, 0},
		{"udir-fravar/data.202506.anchor13.json", 2,
			[]string{"Median dager", "Median timer", "Snitt dager", "Snitt timer", "Antall elever"}, 4, 0, 0},
		{"udir-elevundersokelsen-mobbing/data.arendal.10.json", 4, []string{"Andel mobbet"}, 9, 0, 0},
		{"udir-elevundersokelsen-mobbing/data.arendal.7.json", 4, []string{"Andel mobbet"}, 9, 0, 0},
		{"udir-elevundersokelsen-mobbing/data.bykle.10.json", 4, []string{"Andel mobbet"}, 9, 2, 0},
		{"udir-elevundersokelsen-mobbing/data.svalbard.10.json", 4, []string{"Andel mobbet"}, 9, 4, 0},
		{"udir-elevundersokelsen-mobbing/data.utlandet.10.json", 4, []string{"Andel mobbet"}, 9, 2, 0},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			b := fixture(t, tt.file)
			rawRows, rawValues, stars, empty := rawCounts(t, b)
			if stars != tt.suppressed || empty != tt.missing {
				t.Fatalf("fixture has %d \"*\" and %d \"\"; the test expects %d and %d", stars, empty, tt.suppressed, tt.missing)
			}
			p, err := ParsePivot(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Rows) != tt.rows || len(p.Rows) != rawRows {
				t.Errorf("rows = %d, want %d (raw count %d)", len(p.Rows), tt.rows, rawRows)
			}
			if p.Levels != tt.levels {
				t.Errorf("levels = %d, want %d", p.Levels, tt.levels)
			}
			var got []string
			for _, l := range p.Leaves {
				got = append(got, l.Measure())
			}
			if !reflect.DeepEqual(got, tt.measures) {
				t.Errorf("measures = %q, want %q", got, tt.measures)
			}
			counts := map[cell.Status]int{}
			n := 0
			for c := range p.Cells() {
				n++
				counts[c.Value.Status]++
				if (c.Raw == "*") != (c.Value.Status == cell.Suppressed) {
					t.Errorf("row %s leaf %d: %q has status %s", c.RowID, c.Leaf, c.Raw, c.Value.Status)
				}
			}
			wantCells := tt.rows * len(tt.measures)
			if n != wantCells || n != rawValues || p.NumCells() != wantCells {
				t.Errorf("cells = %d (NumCells %d), want %d (raw count %d)", n, p.NumCells(), wantCells, rawValues)
			}
			want := map[cell.Status]int{cell.Suppressed: stars, cell.Missing: empty, cell.OK: rawValues - stars - empty}
			for _, st := range []cell.Status{cell.OK, cell.Suppressed, cell.Missing, cell.NotApplicable} {
				if counts[st] != want[st] {
					t.Errorf("%s cells = %d, want %d", st, counts[st], want[st])
				}
			}
		})
	}
}

var gsiMeasures = []string{
	"Antall elever",
	"Antall elever med individuelt tilrettelagt opplæring/spesialundervisning",
	"Antall elever med forsterket opplæring i norsk",
	"Antall skoler",
}

type cellKey struct {
	row  string
	leaf int
}

func cellsByKey(t *testing.T, file string) (*Pivot, map[cellKey]Cell) {
	t.Helper()
	p, err := ParsePivot(fixture(t, file))
	if err != nil {
		t.Fatal(err)
	}
	m := map[cellKey]Cell{}
	for c := range p.Cells() {
		m[cellKey{c.RowID, c.Leaf}] = c
	}
	return p, m
}

// Values looked up by hand in the fixtures.
func TestParsePivotHandChecked(t *testing.T) {
	ok := func(f float64) cell.Value { return cell.Value{Number: f, Status: cell.OK} }
	sup := cell.Value{Status: cell.Suppressed}
	miss := cell.Value{Status: cell.Missing}
	type want struct {
		row        string
		leaf       int
		kode, navn string
		raw        string
		value      cell.Value
	}
	tests := []struct {
		file  string
		cells []want
	}{
		{"udir-nasjonale-prover/data.ungdomstrinn.grade8.NPLES.anchor12.json", []want{
			{"1.49", 0, "42", "Agder", "48", ok(48)},
			{"1.49", 1, "42", "Agder", "0,3", ok(0.3)},
			{"1.49", 2, "42", "Agder", "3 782", ok(3782)},
			{"1.3.42", 2, "0301", "Oslo", "6 640", ok(6640)},
			{"1.49.1437", 0, "4220", "Bygland", "*", sup},
			{"1.17.387", 0, "1874", "Moskenes", "", miss},
			{"1.17.387", 2, "1874", "Moskenes", "", miss},
			{"1.55", 2, "55", "Troms - Romsa - Tromssa", "1 617", ok(1617)},
			{"1.55.2034", 1, "2100", "Svalbard", "4,3", ok(4.3)},
		}},
		{"udir-gsi/data_202410.json", []want{
			{"1.49", 0, "42", "Agder", "38 967", ok(38967)},
			{"1.49.1439", 1, "4222", "Bykle", "*", sup},
			{"1.49.1439", 3, "4222", "Bykle", "2", ok(2)},
			{"1.17.362", 1, "1835", "Træna", "*", sup},
		}},
		{"udir-fravar/data.202506.anchor12.json", []want{
			{"1.49", 4, "42", "Agder", "4 277", ok(4277)},
			{"1.49.1423", 2, "4203", "Arendal", "14,8", ok(14.8)},
			{"1.17.387", 4, "1874", "Moskenes", "*", sup},
		}},
		{"udir-elevundersokelsen-mobbing/data.arendal.10.json", []want{
			{"41", 0, "EUIndeks_1398", "Mobbing på skolen", "12,2", ok(12.2)},
			{"41.354", 0, "EUSpoersmaal_Q11816", "Er du blitt mobbet digitalt (mobil, iPad, PC) de siste månedene?", "4,9", ok(4.9)},
		}},
		{"udir-elevundersokelsen-mobbing/data.bykle.10.json", []want{
			{"41", 0, "EUIndeks_1398", "Mobbing på skolen", "*", sup},
			{"41.379", 0, "EUSpoersmaal_Q11824", "Er du blitt mobbet av voksne på skolen de siste månedene?", "0,0", ok(0)},
		}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			_, m := cellsByKey(t, tt.file)
			for _, w := range tt.cells {
				c, found := m[cellKey{w.row, w.leaf}]
				if !found {
					t.Errorf("no cell at row %s leaf %d", w.row, w.leaf)
					continue
				}
				if c.RowKode != w.kode || c.RowNavn != w.navn || c.Raw != w.raw || c.Value != w.value {
					t.Errorf("row %s leaf %d = {%q %q %q %+v}, want {%q %q %q %+v}",
						w.row, w.leaf, c.RowKode, c.RowNavn, c.Raw, c.Value, w.kode, w.navn, w.raw, w.value)
				}
			}
		})
	}
}

func TestParsePivotFixtureHeaders(t *testing.T) {
	t.Run("NP", func(t *testing.T) {
		p, _ := cellsByKey(t, "udir-nasjonale-prover/data.ungdomstrinn.grade8.NPLES.anchor12.json")
		want := []Header{
			{"2025-26", "19717"}, {"Lesing", "19723"}, {"8. årstrinn", "19724"},
			{"Alle eierformer", "19722"}, {"Alle kjønn", "19725"}, {"Usikkerhet", "19728"},
		}
		if !reflect.DeepEqual(p.Leaves[1].Path, want) {
			t.Errorf("leaf 1 path = %v, want %v", p.Leaves[1].Path, want)
		}
		if want := []string{"Nasjonalt", "Fylke", "Kommune", "Enhet"}; !reflect.DeepEqual(p.RowHierarchy, want) {
			t.Errorf("rowHierarchy = %q, want %q", p.RowHierarchy, want)
		}
		for _, r := range p.Rows {
			if r.ID == "1.55" && (r.Navn != "Troms - Romsa - Tromssa" || r.RawNavn != "Troms - Romsa - Tromssa ") {
				t.Errorf("row 1.55: Navn %q RawNavn %q", r.Navn, r.RawNavn)
			}
		}
	})
	t.Run("GSI duplicate names and tekstIds", func(t *testing.T) {
		p, m := cellsByKey(t, "udir-gsi/data_202410.json")
		if len(p.Leaves) != 4 {
			t.Fatalf("%d leaves, want 4", len(p.Leaves))
		}
		for j, l := range p.Leaves {
			want := []Header{
				{"2024-25", "183970"}, {"Alle trinn", "183973"}, {"Alle trinn", "183975"},
				{"Alle kjønn", "183966"}, {"Alle eierformer", "183967"}, {gsiMeasures[j], "183972"},
			}
			if !reflect.DeepEqual(l.Path, want) || l.Index != j {
				t.Errorf("leaf %d = %d %v, want %v", j, l.Index, l.Path, want)
			}
		}
		// Four measures with one tekstId stay four values.
		agder := []string{"38 967", "3 630", "2 189", "175"}
		for j, raw := range agder {
			if c := m[cellKey{"1.49", j}]; c.Raw != raw || c.Path[5].Name != gsiMeasures[j] {
				t.Errorf("Agder leaf %d = %q %q, want %q %q", j, c.Raw, c.Path[5].Name, raw, gsiMeasures[j])
			}
		}
	})
}

func TestParsePivotEmpty(t *testing.T) {
	for _, tt := range []struct {
		file      string
		hierarchy []string
	}{
		{"udir-nasjonale-prover/data.ungdomstrinn.grade9.NPENG.anchor12.json", []string{"Nasjonalt", "Fylke", "Kommune", "Enhet"}},
		{"udir-elevundersokelsen-mobbing/data.hagebostad.10.json", []string{"Indikator", "Spørsmål"}},
	} {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			p, err := ParsePivot(fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for range p.Cells() {
				n++
			}
			if n != 0 || p.NumCells() != 0 || len(p.Rows) != 0 || len(p.Leaves) != 0 || p.Levels != 0 {
				t.Errorf("got %d cells, %d rows, %d leaves, %d levels; want none", n, len(p.Rows), len(p.Leaves), p.Levels)
			}
			if !reflect.DeepEqual(p.RowHierarchy, tt.hierarchy) {
				t.Errorf("rowHierarchy = %q, want %q", p.RowHierarchy, tt.hierarchy)
			}
		})
	}
}

// pivotJSON builds a data response from a columns literal and rows literal.
func pivotJSON(columns, rows string) []byte {
	return []byte(`{"metadata":{"rowHierarchy":["Nasjonalt","Fylke"],"columns":` + columns + `},"rows":` + rows + `}`)
}

// hc is a header cell literal for the hand-written pivots.
func hc(name, tekst string, span int) string {
	b, _ := json.Marshal(map[string]any{"name": name, "tekstId_kolonne": tekst, "columnCount": span})
	return string(b)
}

// Leaf paths worked out by hand from the colspans.
func TestExpandHeader(t *testing.T) {
	h := func(name, tekst string) Header { return Header{name, tekst} }
	tests := []struct {
		name    string
		columns string
		data    string // one row's data
		want    [][]Header
	}{
		{
			name:    "one level",
			columns: `[[` + hc("a", "1", 1) + `,` + hc("b", "2", 1) + `]]`,
			data:    `["1","2"]`,
			want:    [][]Header{{h("a", "1")}, {h("b", "2")}},
		},
		{
			name:    "two levels, spans 2+1",
			columns: `[[` + hc("A", "10", 2) + `,` + hc("B", "11", 1) + `],[` + hc("x", "1", 1) + `,` + hc("y", "2", 1) + `,` + hc("z", "3", 1) + `]]`,
			data:    `["1","2","3"]`,
			want: [][]Header{
				{h("A", "10"), h("x", "1")},
				{h("A", "10"), h("y", "2")},
				{h("B", "11"), h("z", "3")},
			},
		},
		{
			name: "three levels, spans 3 / 1+2 / 1+1+1",
			columns: `[[` + hc("2025-26", "y", 3) + `],[` + hc("P", "p", 1) + `,` + hc("Q", "q", 2) + `],[` +
				hc("m1", "1", 1) + `,` + hc("m2", "2", 1) + `,` + hc("m3", "3", 1) + `]]`,
			data: `["1","2","3"]`,
			want: [][]Header{
				{h("2025-26", "y"), h("P", "p"), h("m1", "1")},
				{h("2025-26", "y"), h("Q", "q"), h("m2", "2")},
				{h("2025-26", "y"), h("Q", "q"), h("m3", "3")},
			},
		},
		{
			name: "repeated names across levels and leaves, one tekstId",
			columns: `[[` + hc("Alle trinn", "t1", 2) + `],[` + hc("Alle trinn", "t2", 2) + `],[` +
				hc("Antall", "m", 1) + `,` + hc("Antall", "m", 1) + `]]`,
			data: `["1","2"]`,
			want: [][]Header{
				{h("Alle trinn", "t1"), h("Alle trinn", "t2"), h("Antall", "m")},
				{h("Alle trinn", "t1"), h("Alle trinn", "t2"), h("Antall", "m")},
			},
		},
		{
			name:    "trimmed names, numeric and absent tekstId",
			columns: `[[{"name":"Troms ","tekstId_kolonne":191809,"columnCount":1}],[{"name":" Andel","columnCount":1}]]`,
			data:    `["1"]`,
			want:    [][]Header{{h("Troms", "191809"), h("Andel", "")}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePivot(pivotJSON(tt.columns, `[{"navn":"Agder ","kode":"42","id":"1.49","data":`+tt.data+`}]`))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Leaves) != len(tt.want) {
				t.Fatalf("%d leaves, want %d", len(p.Leaves), len(tt.want))
			}
			for j, l := range p.Leaves {
				if l.Index != j || !reflect.DeepEqual(l.Path, tt.want[j]) {
					t.Errorf("leaf %d = %d %v, want %v", j, l.Index, l.Path, tt.want[j])
				}
			}
			// Every leaf yields its own cell: value j+1 at leaf j.
			j := 0
			for c := range p.Cells() {
				if c.Leaf != j || c.Value != (cell.Value{Number: float64(j + 1), Status: cell.OK}) ||
					c.RowID != "1.49" || c.RowKode != "42" || c.RowNavn != "Agder" || !reflect.DeepEqual(c.Path, tt.want[j]) {
					t.Errorf("cell %d = %+v", j, c)
				}
				j++
			}
			if j != len(tt.want) {
				t.Errorf("%d cells, want %d", j, len(tt.want))
			}
		})
	}
}

func TestParsePivotErrors(t *testing.T) {
	three := `[[` + hc("A", "1", 3) + `],[` + hc("x", "1", 1) + `,` + hc("y", "2", 1) + `,` + hc("z", "3", 1) + `]]`
	row := func(id, data string) string {
		return `[{"navn":"Agder","kode":"42","id":"` + id + `","data":` + data + `}]`
	}
	tests := []struct {
		name  string
		body  []byte
		field string // PivotError.Field, "" when the error is no PivotError
		rowID string
		want  []string // substrings of the message
	}{
		{"data shorter than leaves", pivotJSON(three, row("1.49.1423", `["1","2"]`)),
			"rows[0].data", "1.49.1423", []string{"2 values", "3 leaf columns"}},
		{"data longer than leaves", pivotJSON(three, row("1.49", `["1","2","3","4"]`)),
			"rows[0].data", "1.49", []string{"4 values", "3 leaf columns"}},
		{"values without columns", pivotJSON(`[]`, row("1.49", `["1"]`)),
			"rows[0].data", "1.49", []string{"1 values", "0 leaf columns"}},
		{"colspans sum short", pivotJSON(`[[`+hc("A", "1", 2)+`],[`+hc("x", "1", 1)+`,`+hc("y", "2", 1)+`,`+hc("z", "3", 1)+`]]`, row("1", `["1","2","3"]`)),
			"metadata.columns[0]", "", []string{"sum to 2", "3 leaf columns"}},
		{"colspans sum long", pivotJSON(`[[`+hc("A", "1", 2)+`,`+hc("B", "1", 2)+`],[`+hc("x", "1", 1)+`,`+hc("y", "2", 1)+`,`+hc("z", "3", 1)+`]]`, row("1", `["1","2","3"]`)),
			"metadata.columns[0]", "", []string{"sum to 4", "3 leaf columns", `"B"`}},
		{"huge colspan", pivotJSON(`[[`+hc("A", "1", 1<<62)+`],[`+hc("x", "1", 1)+`]]`, row("1", `["1"]`)),
			"metadata.columns[0]", "", []string{"more than the 1 leaf columns"}},
		{"last level with a colspan", pivotJSON(`[[`+hc("A", "1", 2)+`],[`+hc("x", "1", 2)+`]]`, row("1", `["1","2"]`)),
			"metadata.columns[0]", "", []string{"sum to 2", "1 leaf columns"}},
		{"colspan across a boundary", pivotJSON(`[[`+hc("A", "1", 2)+`,`+hc("B", "2", 1)+`],[`+hc("P", "1", 1)+`,`+hc("Q", "2", 2)+`],[`+hc("x", "1", 1)+`,`+hc("y", "2", 1)+`,`+hc("z", "3", 1)+`]]`, row("1", `["1","2","3"]`)),
			"metadata.columns[1][1]", "", []string{`"Q"`, "1-2", "level 0", "column 2"}},
		{"zero colspan", pivotJSON(`[[`+hc("A", "1", 0)+`]]`, row("1", `[]`)),
			"metadata.columns[0][0].columnCount", "", []string{"is 0"}},
		{"no colspan", pivotJSON(`[[{"name":"A"}]]`, row("1", `["1"]`)),
			"metadata.columns[0][0].columnCount", "", []string{"missing"}},
		{"colspan as text", pivotJSON(`[[{"name":"A","columnCount":"1"}]]`, row("1", `["1"]`)),
			"metadata.columns[0][0].columnCount", "", []string{"string"}},
		{"header without name", pivotJSON(`[[{"columnCount":1}]]`, row("1", `["1"]`)),
			"metadata.columns[0][0].name", "", []string{"missing"}},
		{"header name a number", pivotJSON(`[[{"name":5,"columnCount":1}]]`, row("1", `["1"]`)),
			"metadata.columns[0][0].name", "", []string{"not a string", "a number (5)"}},
		{"level not a list", pivotJSON(`[{"name":"A","columnCount":1}]`, row("1", `["1"]`)),
			"metadata.columns", "", nil},
		{"value a number", pivotJSON(three, row("1.49.1437", `["1",47,"3"]`)),
			"rows[0].data[1]", "1.49.1437", []string{"not a string", "a number (47)"}},
		{"value null", pivotJSON(three, row("1.49.1437", `["1","2",null]`)),
			"rows[0].data[2]", "1.49.1437", []string{"null"}},
		{"value an object", pivotJSON(three, row("1.49.1437", `[{"v":1},"2","3"]`)),
			"rows[0].data[0]", "1.49.1437", []string{"an object"}},
		{"unparsable number", pivotJSON(three, row("1.49.1437", `["1","4x","3"]`)),
			`rows[0].data[1] ("y")`, "1.49.1437", []string{`"4x" is not a number`}},
		{"row without id", pivotJSON(three, `[{"navn":"Agder","data":["1","2","3"]}]`),
			"rows[0].id", "", []string{"missing"}},
		{"id a number", pivotJSON(three, `[{"navn":"Agder","id":149,"data":["1","2","3"]}]`),
			"rows[0].id", "", []string{"not a string"}},
		{"navn an object", pivotJSON(three, `[{"id":"1.1","data":["1","2","3"]},{"navn":{},"id":"1.2","data":["1","2","3"]}]`),
			"rows[1].navn", "1.2", []string{"an object"}},
		{"kode a number", pivotJSON(three, `[{"kode":42,"id":"1.49","data":["1","2","3"]}]`),
			"rows[0].kode", "1.49", []string{"a number (42)"}},
		{"row without data", pivotJSON(three, `[{"navn":"Agder","id":"1.49"}]`),
			"rows[0].data", "1.49", []string{"missing"}},
		{"data not a list", pivotJSON(three, `[{"navn":"Agder","id":"1.49","data":"1"}]`),
			"rows[0].data", "1.49", nil},
		{"rows not a list", pivotJSON(three, `{}`), "rows", "", nil},
		{"no metadata", []byte(`{"rows":[]}`), "metadata", "", []string{"missing"}},
		{"no rows", []byte(`{"metadata":{"columns":[]}}`), "rows", "", []string{"missing"}},
		{"null rows", []byte(`{"metadata":{"columns":[]},"rows":null}`), "rows", "", []string{"missing"}},
		{"no columns", []byte(`{"metadata":{"rowHierarchy":[]},"rows":[]}`), "metadata.columns", "", []string{"missing"}},
		{"malformed JSON", []byte(`{"metadata":{"columns":[]},"rows":[`), "", "", []string{"decoding data response"}},
		{"not an object", []byte(`[]`), "", "", []string{"decoding data response"}},
		{"empty body", []byte(``), "", "", []string{"decoding data response"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePivot(tt.body)
			if err == nil {
				t.Fatalf("no error; got %d rows", len(p.Rows))
			}
			var pe *PivotError
			if tt.field != "" {
				if !errors.As(err, &pe) {
					t.Fatalf("error %q is no *PivotError", err)
				}
				if pe.Field != tt.field || pe.RowID != tt.rowID {
					t.Errorf("field %q row %q, want %q %q (%v)", pe.Field, pe.RowID, tt.field, tt.rowID, err)
				}
			} else if errors.As(err, &pe) {
				t.Errorf("error %q is a *PivotError; want a decoding error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if tt.rowID != "" && !strings.Contains(err.Error(), `"`+tt.rowID+`"`) {
				t.Errorf("error %q does not name row %q", err, tt.rowID)
			}
		})
	}
}

// A value with JSON escapes decodes like any string.
func TestParsePivotEscapes(t *testing.T) {
	p, err := ParsePivot(pivotJSON(`[[`+hc("m", "1", 1)+`,`+hc("n", "2", 1)+`]]`,
		`[{"navn":"\u00c5mli","id":"1.49.1434","data":["3\u00a0782","\u002a"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	r := p.Rows[0]
	if r.Navn != "Åmli" || r.Raw[0] != "3\u00a0782" || r.Values[0] != (cell.Value{Number: 3782, Status: cell.OK}) ||
		r.Values[1].Status != cell.Suppressed {
		t.Errorf("row = %+v", r)
	}
}

func TestParseReportPage(t *testing.T) {
	tests := []struct {
		file         string
		id           int64
		kode         string
		data         string
		filterValues string
		defaults     map[string][]int64 // a subset of filterDefaultVerdier
		filters      int
	}{
		{"udir-nasjonale-prover/rapportside.ungdomstrinn.json", 71, "GSK_NP_Geografisk",
			"rest/v1/Statistikk/GSK/NasjonaleProever/1/1/data", "rest/v1/Statistikk/GSK/NasjonaleProever/1/1/filterVerdier",
			map[string][]int64{"EnhetID": {-12}, "SkoleAarID": {20252026}, "TrinnID": {7}}, 10},
		{"udir-nasjonale-prover/rapportside.trinn5.json", 70, "GSK_NP_Geo_Trinn5",
			"rest/v1/Statistikk/GSK/NasjonaleProever/4/1/data", "rest/v1/Statistikk/GSK/NasjonaleProever/4/1/filterVerdier",
			map[string][]int64{"EnhetID": {-12}, "SkoleAarID": {20252026}}, 9},
		{"udir-gsi/rapportside.json", 121, "GSK_Elev_Skol",
			"rest/v1/Statistikk/GSK/GSI/1/8/data", "rest/v1/Statistikk/GSK/GSI/1/8/filterVerdier",
			map[string][]int64{"TidID": {202510}, "SpoersmaalID": {1, 2, 3, 5}}, 6},
		{"udir-fravar/rapportside.json", 82, "GSK_fravaer",
			"rest/v1/Statistikk/GSK/FravaerG/1/1/data", "rest/v1/Statistikk/GSK/FravaerG/1/1/filterVerdier",
			map[string][]int64{"TidID": {202306, 202406, 202506}, "KjoennID": {-10}}, 6},
		{"udir-elevundersokelsen-mobbing/rapportside.json", 232, "GSK_EUG_mobbing",
			"rest/v1/Statistikk/GSK/EUG/5/5/data", "rest/v1/Statistikk/GSK/EUG/5/5/filterVerdier",
			map[string][]int64{"TidID": {202512}, "TrinnID": {6, 9}}, 6},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(filepath.Dir(tt.file))+"/"+filepath.Base(tt.file), func(t *testing.T) {
			b := fixture(t, tt.file)
			// The fixture repeats the key; the parser sees the last value.
			if !strings.Contains(string(b), `"rapportelementtypenavn":"D_TAB","rapportelementtypenavn":"Drilltabell"`) {
				t.Fatal("fixture lacks the duplicate rapportelementtypenavn key")
			}
			p, err := ParseReportPage(b)
			if err != nil {
				t.Fatal(err)
			}
			d, err := p.DataEndpoint()
			if err != nil || d != tt.data {
				t.Errorf("DataEndpoint = %q, %v; want %q", d, err, tt.data)
			}
			if p.ID != tt.id || p.Kode != tt.kode || p.FilterValuesEndpoint != tt.filterValues || len(p.Filters) != tt.filters || !p.Suppressed {
				t.Errorf("page = %d %q %q %d filters, suppressed %v", p.ID, p.Kode, p.FilterValuesEndpoint, len(p.Filters), p.Suppressed)
			}
			for k, v := range tt.defaults {
				if !reflect.DeepEqual(p.DefaultFilters[k], v) {
					t.Errorf("default %s = %v, want %v", k, p.DefaultFilters[k], v)
				}
			}
			if len(p.Elements) != 1 || p.Elements[0].Type != "Drilltabell" || p.Elements[0].DefaultRowPath != "*.*" {
				t.Errorf("elements = %+v", p.Elements)
			}
			if _, has := p.Texts["0"]; has {
				t.Error(`the null text "0" was kept`)
			}
			if p.Texts["137217"] != "Tallet er unntatt offentligheten/skjermet." {
				t.Errorf("text 137217 = %q", p.Texts["137217"])
			}
		})
	}
}

func TestParseReportPageHandWritten(t *testing.T) {
	p, err := ParseReportPage([]byte(`{"rappside":{"id":1,"kode":"X","rapportElementer":[
		{"rapportelementnr":1},{"rapportelementnr":2,"dataEndepunkt":"rest/v1/Statistikk/GSK/ResultatG/1/2/data"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.FilterValuesEndpoint != "rest/v1/Statistikk/GSK/ResultatG/1/2/filterVerdier" {
		t.Errorf("derived filter values endpoint = %q", p.FilterValuesEndpoint)
	}
	for _, tt := range []struct{ body, want string }{
		{`{"tekster":{}}`, `no "rappside"`},
		{`{"rappside":{"id":1}}`, "kode"},
		{`{"rappside":{"kode":"X","rapportElementer":[{"navn":"a"}]}}`, "none of its 1 report elements"},
		{`{"rappside":{"kode":"X","filterDefaultVerdier":{"TidID":["202510"]}}}`, "filterDefaultVerdier"},
		{`{"rappside":`, "decoding Rapportside"},
	} {
		if _, err := ParseReportPage([]byte(tt.body)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseReportPage(%s) = %v; want an error saying %q", tt.body, err, tt.want)
		}
	}
}

// FuzzPivot: no input panics, and what parses is consistent.
func FuzzPivot(f *testing.F) {
	for _, rel := range []string{
		"udir-nasjonale-prover/data.ungdomstrinn.grade8.NPLES.anchor13.json",
		"udir-elevundersokelsen-mobbing/data.bykle.10.json",
		"udir-elevundersokelsen-mobbing/data.hagebostad.10.json",
	} {
		if b, err := os.ReadFile(filepath.Join(conformanceDir, rel)); err == nil {
			f.Add(b)
		}
	}
	f.Add(pivotJSON(`[[`+hc("A", "10", 2)+`,`+hc("B", "11", 1)+`],[`+hc("x", "1", 1)+`,`+hc("y", "2", 1)+`,`+hc("z", "3", 1)+`]]`,
		`[{"navn":"Agder ","kode":"42","id":"1.49","data":["1","*",""]}]`))
	f.Add([]byte(`{"metadata":{"columns":[]},"rows":[]}`))
	f.Add([]byte(`{"metadata":{"columns":[[{"name":"A","columnCount":-1}]]},"rows":[{"id":"1","data":["x"]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePivot(b)
		if err != nil {
			return
		}
		n := 0
		for c := range p.Cells() {
			if len(c.Path) != p.Levels {
				t.Fatalf("cell path has %d headers, the pivot %d levels", len(c.Path), p.Levels)
			}
			n++
		}
		if n != p.NumCells() {
			t.Fatalf("%d cells, NumCells %d", n, p.NumCells())
		}
	})
}

// BenchmarkParsePivot parses the largest captured data response and walks
// its cells.
func BenchmarkParsePivot(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(conformanceDir, "*", "data*.json"))
	var largest []byte
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil && len(data) > len(largest) {
			largest = data
		}
	}
	if largest == nil {
		b.Skip("no conformance data responses")
	}
	b.SetBytes(int64(len(largest)))
	cells := 0
	for b.Loop() {
		p, err := ParsePivot(largest)
		if err != nil {
			b.Fatal(err)
		}
		for range p.Cells() {
			cells++
		}
	}
	b.ReportMetric(float64(cells)/b.Elapsed().Seconds(), "cells/s")
}
