package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/connectors/udir"
	"github.com/skolestat/skolestat/internal/sim"
)

// eksportNation simulates a small nation with the survey of its last two
// years and serves the emulator over it.
func eksportNation(t *testing.T, survey int, drift bool) (dir, base string) {
	t.Helper()
	dir = t.TempDir()
	if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: 13, Scale: 0.02, SurveyYears: survey}); err != nil {
		t.Fatal(err)
	}
	em, err := New(context.Background(), Options{Data: dir, Drift: drift})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	return dir, srv.URL + EksportPrefix + "/api/rest/v2/Eksport"
}

func eksportGet(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// eksportRows gets a data page as rows of strings (numbers as their text).
func eksportRows(t *testing.T, base string, table int, filter string, page int) []map[string]any {
	t.Helper()
	code, body := eksportGet(t, fmt.Sprintf("%s/%d/data?%s", base, table, url.Values{"filter": {filter}, "format": {"0"}, "sideNummer": {fmt.Sprint(page)}}.Encode()))
	if code != http.StatusOK {
		t.Fatalf("data %s page %d: %d %s", filter, page, code, body)
	}
	var rows []map[string]any
	if err := json.Unmarshal(body, &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// respondent is one survey respondent, read by the test from the file.
type respondent struct {
	School  string
	Year    int
	Grade   int
	Gender  string // "" when not given
	Answers map[string]int
}

func readRespondents(t *testing.T, dir string) []*respondent {
	t.Helper()
	byID := map[string]*respondent{}
	var out []*respondent
	eachRecord(t, dir, "survey_responses", func(rec arrow.RecordBatch) {
		for i := range int(rec.NumRows()) {
			y := int(rec.Column(1).(*array.Int32).Value(i))
			id := fmt.Sprintf("%s/%d", rec.Column(0).(*array.String).Value(i), y)
			r := byID[id]
			if r == nil {
				r = &respondent{School: rec.Column(2).(*array.String).Value(i), Year: y, Grade: int(rec.Column(3).(*array.Int32).Value(i)), Answers: map[string]int{}}
				if g := rec.Column(5).(*array.String); g.IsValid(i) {
					r.Gender = g.Value(i)
				}
				byID[id] = r
				out = append(out, r)
			}
			if a := rec.Column(7).(*array.Int32); a.IsValid(i) {
				r.Answers[rec.Column(6).(*array.String).Value(i)] = int(a.Value(i))
			}
		}
	})
	return out
}

// indexScore is a respondent's score on an index by indicators.md §3,
// written out here without the emulator's code: the mean of the answered
// items (reverse-keyed ones turned), when at least half are answered.
func indexScore(r *respondent, index string) (float64, bool) {
	sum, n, items := 0, 0, 0
	for _, it := range sim.Items {
		if it.Index != index {
			continue
		}
		items++
		a, ok := r.Answers[it.Code]
		if !ok {
			continue
		}
		if it.Reverse {
			a = 6 - a
		}
		sum += a
		n++
	}
	if n == 0 || 2*n < items {
		return 0, false
	}
	return float64(sum) / float64(n), true
}

func number(t *testing.T, v any) cell.Value {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("value %v is %T, want a string", v, v)
	}
	c, err := cell.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEksportTableList(t *testing.T) {
	_, base := eksportNation(t, 1, false)
	code, body := eksportGet(t, base)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", base, code)
	}
	var list []struct {
		EksportID   int
		Beskrivelse string
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	for _, e := range list {
		got[e.EksportID] = e.Beskrivelse
	}
	for id := 148; id <= 155; id++ {
		if got[id] == "" {
			t.Errorf("table %d not listed", id)
		}
	}
	// As in reality, 153 (Tema) is described as bullying and 154 (Mobbing)
	// as Tema.
	if !strings.Contains(got[153], "mobbing") || !strings.Contains(got[154], "tema") {
		t.Errorf("153 %q, 154 %q: want the descriptions swapped", got[153], got[154])
	}
}

func TestEksportErrors(t *testing.T) {
	_, base := eksportNation(t, 1, false)
	realNoFilter := `{"kode":400,"feiltype":"Feil i forespørselen","melding":"Filter må oppgis!","tilleggsinfo":"Vennligst se API-dokumentasjonen på https://statistikkportalen.udir.no/api/rapportering/swagger"}`
	for _, c := range []struct {
		name, path string
		code       int
		melding    string
	}{
		{"no filter", "/148/data?format=0&sideNummer=1", 400, "Filter må oppgis!"},
		{"comma", "/148/data?filter=" + url.QueryEscape("TidID(202412,202312)") + "&format=0", 400, "Feil format på filtrene!"},
		{"comma sideData", "/150/sideData?filter=" + url.QueryEscape("TidID(202412)_EnhetID(-12,-500)"), 400, "Feil format på filtrene!"},
		{"no TidID", "/148/sideData?filter=" + url.QueryEscape("EnhetID(-12)"), 400, "Filteret TidID må oppgis!"},
		{"bad page", "/148/data?filter=" + url.QueryEscape("TidID(202412)") + "&sideNummer=0", 400, "Ugyldig sideNummer"},
		{"Tema", "/149/filterVerdier", 404, "Tabell 149 er ikke emulert"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := eksportGet(t, base+c.path)
			if code != c.code {
				t.Fatalf("%d %s, want %d", code, body, c.code)
			}
			var e struct {
				Kode    int
				Melding string
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Melding != c.melding || e.Kode != c.code {
				t.Errorf("body %s, want melding %q (%v)", body, c.melding, err)
			}
			if c.name == "no filter" && string(body) != realNoFilter {
				t.Errorf("body %s\nwant the real one %s", body, realNoFilter)
			}
		})
	}
}

// TestEksportValues recomputes a school's Trivsel score, a municipality's
// bullying share and a school's participation from the simulated files.
func TestEksportValues(t *testing.T) {
	dir, base := eksportNation(t, 2, false)
	resps := readRespondents(t, dir)
	last := 0
	for _, r := range resps {
		last = max(last, r.Year)
	}
	// The school with most 7th graders in the last year.
	count := map[string]int{}
	for _, r := range resps {
		if r.Year == last && r.Grade == 7 {
			count[r.School]++
		}
	}
	school := ""
	for s, n := range count {
		if school == "" || n > count[school] || (n == count[school] && s < school) {
			school = s
		}
	}
	if count[school] < 10 {
		t.Fatalf("largest school has %d respondents", count[school])
	}
	var scores []float64
	for _, r := range resps {
		if r.Year == last && r.Grade == 7 && r.School == school {
			if v, ok := indexScore(r, "EUIndeks_1379"); ok {
				scores = append(scores, v)
			}
		}
	}
	mean, sq := 0.0, 0.0
	for _, v := range scores {
		mean += v
	}
	mean /= float64(len(scores))
	for _, v := range scores {
		sq += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(sq / float64(len(scores)-1))

	filter := fmt.Sprintf("TidID(%d12)_Organisasjonsnummer(%s)_TrinnID(6)_EierformID(-10)_KjoennID(-10)_SpoersmaalID(1379)", last, school)
	rows := eksportRows(t, base, 148, filter, 1)
	if len(rows) != 1 {
		t.Fatalf("%d rows for one school, grade, index: %v", len(rows), rows)
	}
	row := rows[0]
	if row["Spoersmaalkode"] != "EUIndeks_1379" || row["Organisasjonsnummer"] != school || row["TrinnKode"] != "7" || row["KjoennKode"] != "A" ||
		row["Skoleaarnavn"] != fmt.Sprintf("%d-%02d", last, (last+1)%100) || row["EnhetNivaa"] != 4.0 {
		t.Errorf("row %v", row)
	}
	if got := number(t, row["Score"]).Number; math.Abs(got-mean) > 0.05+1e-9 {
		t.Errorf("Score %v, want %.4f", got, mean)
	}
	if got := number(t, row["Standardavvik"]).Number; math.Abs(got-sd) > 0.05+1e-9 {
		t.Errorf("Standardavvik %v, want %.4f", got, sd)
	}
	if got := number(t, row["AntallBesvart"]).Number; int(got) != len(scores) {
		t.Errorf("AntallBesvart %v, want %d", got, len(scores))
	}

	// Bullying and participation of the school's municipality: its
	// EnhetID from filterVerdier.
	_, fv := eksportGet(t, base+"/150/filterVerdier")
	tree, err := udir.Units(fv)
	if err != nil {
		t.Fatal(err)
	}
	var muni udir.Unit
	for _, u := range tree.Units {
		if u.Kode == school {
			muni = tree.Units[u.Parent]
		}
	}
	inMuni := map[string]bool{}
	for _, c := range muni.Children {
		inMuni[tree.Units[c].Kode] = true
	}
	answered, bullied := 0, 0
	for _, r := range resps {
		if r.Year != last || r.Grade != 7 || !inMuni[r.School] {
			continue
		}
		any, yes := false, false
		for _, c := range sim.BullyingItems {
			if a, ok := r.Answers[c]; ok {
				any, yes = true, yes || a >= 3
			}
		}
		if any {
			answered++
			if yes {
				bullied++
			}
		}
	}
	rows = eksportRows(t, base, 150, fmt.Sprintf("TidID(%d12)_EnhetID(%d)_TrinnID(6)_EierformID(-10)_KjoennID(-10)_SpoersmaalID(1398)", last, muni.ID), 1)
	if len(rows) != 1 || rows[0]["Organisasjonsnummer"] != muni.Kode || rows[0]["EnhetNavn"] != "Alle skoler" || rows[0]["Kommune"] != muni.Name {
		t.Fatalf("rows %v, want one of %s", rows, muni.Kode)
	}
	want := 100 * float64(bullied) / float64(answered)
	if got := number(t, rows[0]["AndelMobbet"]).Number; math.Abs(got-want) > 0.05+1e-9 || answered < 10 {
		t.Errorf("AndelMobbet %v, want %.3f (%d of %d)", got, want, bullied, answered)
	}

	enrolled := 0
	eachRecord(t, dir, "enrolments", func(rec arrow.RecordBatch) {
		for i := range int(rec.NumRows()) {
			if int(rec.Column(1).(*array.Int32).Value(i)) == last && rec.Column(2).(*array.Int32).Value(i) == 7 && rec.Column(3).(*array.String).Value(i) == school {
				enrolled++
			}
		}
	})
	rows = eksportRows(t, base, 151, fmt.Sprintf("TidID(%d12)_Organisasjonsnummer(%s)_TrinnID(6)_EierformID(-10)", last, school), 1)
	if len(rows) != 1 {
		t.Fatalf("151: %d rows, want 1", len(rows))
	}
	if _, has := rows[0]["KjoennKode"]; has {
		t.Errorf("151 row has a gender: %v", rows[0])
	}
	if got := number(t, rows[0]["AntallInvitert"]).Number; int(got) != enrolled {
		t.Errorf("AntallInvitert %v, want %d", got, enrolled)
	}
	if got := number(t, rows[0]["AndelDeltatt"]).Number; math.Abs(got-100*float64(count[school])/float64(enrolled)) > 0.05+1e-9 {
		t.Errorf("AndelDeltatt %v, want %d/%d", got, count[school], enrolled)
	}
}

// TestEksportSuppression: a unit with fewer than 10 respondents has "*"
// for every value, never a number.
func TestEksportSuppression(t *testing.T) {
	dir, base := eksportNation(t, 1, false)
	resps := readRespondents(t, dir)
	count := map[string]int{}
	year := 0
	for _, r := range resps {
		year = r.Year
		if r.Grade == 10 && r.Gender == "J" {
			count[r.School]++
		}
	}
	small := ""
	for s, n := range count {
		if n > 0 && n < 10 && (small == "" || s < small) {
			small = s
		}
	}
	if small == "" {
		t.Fatal("no school with 1-9 girls in grade 10")
	}
	rows := eksportRows(t, base, 148, fmt.Sprintf("TidID(%d12)_Organisasjonsnummer(%s)_TrinnID(9)_EierformID(-10)_KjoennID(1)", year, small), 1)
	if len(rows) != len(eksportQuestions148) {
		t.Fatalf("%d rows, want one per question (%d)", len(rows), len(eksportQuestions148))
	}
	for _, r := range rows {
		if r["Score"] != "*" || r["AntallBesvart"] != "*" || r["KjoennKode"] != "J" {
			t.Errorf("%s: Score %v AntallBesvart %v, want *", r["Spoersmaalkode"], r["Score"], r["AntallBesvart"])
		}
	}
}

// TestEksportPaging: sideData's pages hold every row once; a page past
// the end repeats the last.
func TestEksportPaging(t *testing.T) {
	_, base := eksportNation(t, 1, false)
	code, fv := eksportGet(t, base+"/148/filterVerdier")
	if code != 200 {
		t.Fatal(code)
	}
	years, err := udir.FilterValues(fv, "TidID")
	if err != nil || len(years) != 1 {
		t.Fatalf("TidID %v %v", years, err)
	}
	filter := fmt.Sprintf("TidID(%d)_EnhetNivaa(1_2)_EierformID(-10)_KjoennID(-10)", years[0].ID)
	code, body := eksportGet(t, base+"/148/sideData?"+url.Values{"filter": {filter}, "antallRader": {"40"}}.Encode())
	var info []struct{ JSONSider, RaderPerSide, RaderTotalt int }
	if err := json.Unmarshal(body, &info); code != 200 || err != nil || len(info) != 1 {
		t.Fatalf("sideData %d %s %v", code, body, err)
	}
	// Nation and counties, two grades, every question of 148.
	_, nv := eksportGet(t, base+"/148/filterVerdier")
	tree, _ := udir.Units(nv)
	wantRows := (1 + tree.Count(udir.LevelCounty)) * 2 * len(eksportQuestions148)
	if info[0].RaderTotalt != wantRows || info[0].JSONSider != (wantRows+39)/40 || info[0].RaderPerSide != 40 {
		t.Fatalf("sideData %+v, want %d rows on %d pages", info[0], wantRows, (wantRows+39)/40)
	}
	seen := map[string]bool{}
	var last []byte
	for p := 1; p <= info[0].JSONSider+1; p++ {
		code, body := eksportGet(t, base+"/148/data?"+url.Values{"filter": {filter}, "sideNummer": {fmt.Sprint(p)}, "antallRader": {"40"}, "format": {"0"}}.Encode())
		if code != 200 {
			t.Fatal(code)
		}
		if p == info[0].JSONSider+1 {
			if string(body) != string(last) {
				t.Errorf("page past the end is not the last page again")
			}
			break
		}
		last = body
		var rows []map[string]any
		json.Unmarshal(body, &rows)
		for _, r := range rows {
			if r["Sidenummer"] != float64(p) || r["RaderTotalt"] != float64(wantRows) || r["RaderSide"] != float64(len(rows)) {
				t.Fatalf("page %d row fields %v %v %v", p, r["Sidenummer"], r["RaderSide"], r["RaderTotalt"])
			}
			k := fmt.Sprint(r["Organisasjonsnummer"], r["TrinnKode"], r["Spoersmaalkode"])
			if seen[k] {
				t.Fatalf("row %s twice", k)
			}
			seen[k] = true
		}
	}
	if len(seen) != wantRows {
		t.Errorf("%d rows on the pages, want %d", len(seen), wantRows)
	}
}

func TestEksportDrift(t *testing.T) {
	_, base := eksportNation(t, 1, true)
	_, fv := eksportGet(t, base+"/148/filterVerdier")
	years, _ := udir.FilterValues(fv, "TidID")
	rows := eksportRows(t, base, 148, fmt.Sprintf("TidID(%d)_EnhetID(-12)_SpoersmaalID(1379)_KjoennID(-10)_EierformID(-10)", years[0].ID), 1)
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	if _, old := rows[0]["Spoersmaalgruppe"]; old || rows[0]["Indikator"] != "Trivsel" {
		t.Errorf("drifted 148 row %v: want Indikator, no Spoersmaalgruppe", rows[0])
	}
	rows = eksportRows(t, base, 151, fmt.Sprintf("TidID(%d)_EnhetID(-12)_EierformID(-10)", years[0].ID), 1)
	if _, old := rows[0]["AndelDeltatt"]; old || rows[0]["AndelDeltakelse"] == nil {
		t.Errorf("drifted 151 row %v: want AndelDeltakelse", rows[0])
	}
}

// TestEksportWithoutSurvey: a nation without survey answers offers no
// year, and the upper secondary tables no rows.
func TestEksportWithoutSurvey(t *testing.T) {
	_, base := eksportNation(t, -1, false)
	_, fv := eksportGet(t, base+"/148/filterVerdier")
	years, err := udir.FilterValues(fv, "TidID")
	if err != nil || len(years) != 0 {
		t.Errorf("TidID %v %v, want none", years, err)
	}
	_, body := eksportGet(t, base+"/152/sideData?filter=TidID(202412)")
	var info []map[string]int
	if err := json.Unmarshal(body, &info); err != nil || !reflect.DeepEqual(info[0]["JSONSider"], 0) {
		t.Errorf("152 sideData %s, want 0 pages", body)
	}
}

func TestParseEksportFilter(t *testing.T) {
	got, err := parseFilter("TidID(202412)_EnhetID(-76_-720)_Kommunekode(0301)_Nasjonaltkode(I)")
	want := map[string][]string{"TidID": {"202412"}, "EnhetID": {"-76", "-720"}, "Kommunekode": {"0301"}, "Nasjonaltkode": {"I"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v %v", got, err)
	}
	for _, bad := range []string{"TidID(202412,202312)", "TidID(202412)EnhetID(1)", "TidID(", "TidID()", "(1)", "TidID(1)_TidID(2)", "Tid ID(1)", "TidID(1)_"} {
		if _, err := parseFilter(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestEksportNumbers(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1 000"}, {63187, "63 187"}, {1234567, "1 234 567"}} {
		if got := eksportCount(c.n); got != c.want {
			t.Errorf("eksportCount(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if got := eksportDecimal(4.25001); got != "4,3" {
		t.Errorf("eksportDecimal(4.25001) = %q", got)
	}
}
