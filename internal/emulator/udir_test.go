package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/connectors/udir"
	"github.com/skolestat/skolestat/internal/sim"
)

// udirReal is where the captured real payloads are (shared/conformance,
// read in place, never copied into the repository); the comparisons with
// them skip when it is absent.
var udirReal = filepath.Join("..", "..", "..", "shared", "conformance", "udir", "udir-nasjonale-prover")

// udirTruthKey is one unit (a municipality or county code, "I" for the
// nation, or an orgnr) in one year, grade and subject, for all owners or
// the public schools only.
type udirTruthKey struct {
	Code        string
	Year, Grade int
	Subject     string
	PublicOnly  bool
}

type udirTruthStat struct {
	N       int
	Sum, Sq float64
}

func (s udirTruthStat) mean() float64 { return s.Sum / float64(s.N) }

func (s udirTruthStat) margin() float64 {
	n := float64(s.N)
	return 1.96 * math.Sqrt((s.Sq-s.Sum*s.Sum/n)/(n-1)/n)
}

// udirTruth is the simulated nation aggregated by the test itself from
// the microdata files, with none of the emulator's code.
type udirTruth struct {
	stats     map[udirTruthKey]udirTruthStat
	schoolsOf map[string][]udirSchoolInfo // municipality → its schools
	countyOf  map[string]string           // municipality → county
}

type udirSchoolInfo struct {
	Orgnr    string
	From, To int
}

func readUdirTruth(t *testing.T, dir string) *udirTruth {
	t.Helper()
	tr := &udirTruth{stats: map[udirTruthKey]udirTruthStat{}, schoolsOf: map[string][]udirSchoolInfo{}, countyOf: municipalityCounty(t, dir)}
	muniOf, publicOf := map[string]string{}, map[string]bool{}
	eachRecord(t, dir, "schools", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			org, muni := r.Column(0).(*array.String).Value(i), r.Column(2).(*array.String).Value(i)
			tr.schoolsOf[muni] = append(tr.schoolsOf[muni], udirSchoolInfo{Orgnr: org,
				From: int(r.Column(4).(*array.Int32).Value(i)), To: int(r.Column(5).(*array.Int32).Value(i))})
			muniOf[org], publicOf[org] = muni, r.Column(3).(*array.Boolean).Value(i)
		}
	})
	eachRecord(t, dir, "national_tests", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			if r.Column(5).(*array.String).Value(i) != "participated" {
				continue
			}
			org := r.Column(4).(*array.String).Value(i)
			score := r.Column(6).(*array.Float64).Value(i)
			muni := muniOf[org]
			for _, code := range []string{"I", tr.countyOf[muni], muni, org} {
				for _, public := range []bool{false, true} {
					if public && !publicOf[org] {
						continue
					}
					k := udirTruthKey{Code: code, Year: int(r.Column(1).(*array.Int32).Value(i)),
						Grade: int(r.Column(2).(*array.Int32).Value(i)), Subject: r.Column(3).(*array.String).Value(i), PublicOnly: public}
					s := tr.stats[k]
					s.N++
					s.Sum += score
					s.Sq += score * score
					tr.stats[k] = s
				}
			}
		}
	})
	return tr
}

// udirGet fetches path (under the emulator's /udir) with the query.
func udirGet(t *testing.T, base, path string, q url.Values) (int, []byte) {
	t.Helper()
	u := base + UdirPrefix + "/" + path
	if q != nil {
		u += "?" + q.Encode()
	}
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

func udirQuery(filter, radSti string) url.Values {
	q := url.Values{"filter": {filter}, "inkluderKoder": {"true"}}
	if radSti != "" {
		q.Set("radSti", radSti)
	}
	return q
}

// jsonKeys lists the keys of a JSON object in the order sent, repeats
// included (encoding/json would drop them).
func jsonKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %.60s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// field is the raw value at a path of object keys and array indexes.
func field(t *testing.T, raw []byte, path ...any) []byte {
	t.Helper()
	for _, p := range path {
		switch p := p.(type) {
		case string:
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("%v: %v", path, err)
			}
			raw = m[p]
		case int:
			var a []json.RawMessage
			if err := json.Unmarshal(raw, &a); err != nil || p >= len(a) {
				t.Fatalf("%v: %v (%d elements)", path, err, len(a))
			}
			raw = a[p]
		}
	}
	return raw
}

func readReal(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(udirReal, name))
	if err != nil {
		t.Skipf("no real payload to compare with: %v", err)
	}
	return b
}

// TestUdirEmulation runs the report API emulation over one small
// simulated nation.
func TestUdirEmulation(t *testing.T) {
	dir := t.TempDir()
	if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: 11, Scale: 0.02, SurveyYears: -1}); err != nil {
		t.Fatal(err)
	}
	em, err := New(context.Background(), Options{Data: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(em)
	defer srv.Close()
	truth := readUdirTruth(t, dir)
	const ungdom, trinn5 = "rest/v1/Statistikk/GSK/NasjonaleProever/1/1", "rest/v1/Statistikk/GSK/NasjonaleProever/4/1"

	_, fv := udirGet(t, srv.URL, ungdom+"/filterVerdier", nil)
	units, err := udir.Units(fv)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ReportPagesParseAndPointAtTheData", func(t *testing.T) {
		for kode, path := range map[string]string{"GSK_NP_Geografisk": ungdom, "GSK_NP_Geo_Trinn5": trinn5} {
			code, body := udirGet(t, srv.URL, "rest/v1/Rapportside/"+kode, nil)
			if code != http.StatusOK {
				t.Fatalf("%s: HTTP %d", kode, code)
			}
			p, err := udir.ParseReportPage(body)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := p.DataEndpoint()
			if p.Kode != kode || data != path+"/data" || p.FilterValuesEndpoint != path+"/filterVerdier" ||
				p.Elements[0].Type != "Drilltabell" || !p.Suppressed || !reflect.DeepEqual(p.DefaultFilters["SkoleAarID"], []int64{20242025}) {
				t.Errorf("%s: %+v", kode, p)
			}
			if hasGrade := slices.Contains(p.Filters, "TrinnID"); hasGrade != (kode == "GSK_NP_Geografisk") {
				t.Errorf("%s: TrinnID among the filters: %v", kode, hasGrade)
			}
		}
		if code, _ := udirGet(t, srv.URL, "rest/v1/Rapportside/GSK_Nope", nil); code != http.StatusNotFound {
			t.Errorf("unknown report: HTTP %d", code)
		}
	})

	t.Run("FilterValues", func(t *testing.T) {
		years, err := udir.FilterValues(fv, "SkoleAarID")
		if err != nil {
			t.Fatal(err)
		}
		// The nation has 2014-2024; the report starts at 2022-23.
		var got []string
		for _, y := range years {
			got = append(got, y.Kode+" "+y.Navn)
		}
		if want := []string{"20242025 2024-25", "20232024 2023-24", "20222023 2022-23"}; !reflect.DeepEqual(got, want) {
			t.Errorf("years %v, want %v", got, want)
		}
		grades, _ := udir.FilterValues(fv, "TrinnID")
		if len(grades) != 2 || grades[0].ID != 7 || grades[0].Kode != "8" || grades[1].ID != 8 {
			t.Errorf("TrinnID %+v", grades)
		}
		// Every municipality with a school teaching 8th or 9th grade is in
		// the list, under its county; some barn name units left out.
		nMunis := 0
		for muni, schools := range truth.schoolsOf {
			if !slices.ContainsFunc(schools, func(s udirSchoolInfo) bool { return s.From <= 9 && s.To >= 8 }) {
				continue
			}
			nMunis++
			found := false
			for _, u := range units.Units {
				if u.Kode == muni {
					c, ok := units.Ancestor(u, udir.LevelCounty)
					found = ok && c.Kode == truth.countyOf[muni] && u.Level == udir.LevelMunicipality
				}
			}
			if !found {
				t.Errorf("municipality %s not in the EnhetID list under county %s", muni, truth.countyOf[muni])
			}
		}
		if units.Count(udir.LevelMunicipality) != nMunis || units.Count(udir.LevelNation) != 1 || units.DanglingChildren == 0 {
			t.Errorf("%d municipalities (want %d), %d nations, %d dangling barn", units.Count(udir.LevelMunicipality), nMunis,
				units.Count(udir.LevelNation), units.DanglingChildren)
		}
	})

	t.Run("ShapeOfTheRealPayloads", func(t *testing.T) {
		for _, c := range []struct{ real, path string }{
			{"rapportside.ungdomstrinn.json", "rest/v1/Rapportside/GSK_NP_Geografisk"},
			{"rapportside.trinn5.json", "rest/v1/Rapportside/GSK_NP_Geo_Trinn5"},
		} {
			real := readReal(t, c.real)
			_, ours := udirGet(t, srv.URL, c.path, nil)
			for _, p := range [][]any{{}, {"rappside"}, {"rappside", "filterDefaultVerdier"}, {"rappside", "rapportElementer", 0}} {
				if g, w := jsonKeys(t, field(t, ours, p...)), jsonKeys(t, field(t, real, p...)); !reflect.DeepEqual(g, w) {
					t.Errorf("%s %v: keys\n %v\nwant\n %v", c.path, p, g, w)
				}
			}
			if string(field(t, ours, "tekster", "0")) != "null" {
				t.Errorf("%s: tekster has no null \"0\"", c.path)
			}
		}
		real := readReal(t, "filterVerdier.ungdomstrinn.json")
		if g, w := jsonKeys(t, fv), jsonKeys(t, real); !reflect.DeepEqual(g, w) {
			t.Errorf("filterVerdier lists %v, want %v", g, w)
		}
		for _, list := range jsonKeys(t, real) {
			if list == "EnhetID" {
				continue
			}
			if g, w := jsonKeys(t, field(t, fv, list, 0)), jsonKeys(t, field(t, real, list, 0)); !reflect.DeepEqual(g, w) {
				t.Errorf("filterVerdier %s: keys %v, want %v", list, g, w)
			}
		}
		// The first unit of each nivaa has the real keys.
		firstOf := func(raw []byte) map[int][]string {
			var all []json.RawMessage
			json.Unmarshal(field(t, raw, "EnhetID"), &all)
			out := map[int][]string{}
			for _, u := range all {
				var n struct{ Nivaa int }
				json.Unmarshal(u, &n)
				if _, ok := out[n.Nivaa]; !ok {
					out[n.Nivaa] = jsonKeys(t, u)
				}
			}
			return out
		}
		if g, w := firstOf(fv), firstOf(real); !reflect.DeepEqual(g, w) {
			t.Errorf("EnhetID keys by nivaa %v, want %v", g, w)
		}

		for _, c := range []struct{ real, path, filter string }{
			{"data.ungdomstrinn.grade8.NPLES.anchor12.json", ungdom, "SkoleAarID(20242025)_TrinnID(7)_ProevetypeID(2)_EnhetID(-12)_EierformID(-10)_KjoennID(-10)"},
			{"data.trinn5.NPLES.anchor12.json", trinn5, "SkoleAarID(20242025)_ProevetypeID(2)_EnhetID(-12)"},
		} {
			real := readReal(t, c.real)
			code, ours := udirGet(t, srv.URL, c.path+"/data", udirQuery(c.filter, "*.*"))
			if code != http.StatusOK {
				t.Fatalf("HTTP %d: %s", code, ours)
			}
			for _, p := range [][]any{{}, {"metadata"}, {"metadata", "columns", 0, 0}, {"rows", 0}} {
				if g, w := jsonKeys(t, field(t, ours, p...)), jsonKeys(t, field(t, real, p...)); !reflect.DeepEqual(g, w) {
					t.Errorf("%s %v: keys %v, want %v", c.path, p, g, w)
				}
			}
			// The same header below the year (names, tekstIds, spans), and
			// the same row hierarchy.
			var og, rg struct {
				Metadata struct {
					RowHierarchy []string
					Columns      [][]udirHeader
				}
			}
			json.Unmarshal(ours, &og)
			json.Unmarshal(real, &rg)
			if !reflect.DeepEqual(og.Metadata.Columns[1:], rg.Metadata.Columns[1:]) || !reflect.DeepEqual(og.Metadata.RowHierarchy, rg.Metadata.RowHierarchy) ||
				og.Metadata.Columns[0][0].Name != "2024-25" || og.Metadata.Columns[0][0].TekstID != rg.Metadata.Columns[0][0].TekstID {
				t.Errorf("%s: header %+v\nwant %+v", c.path, og.Metadata, rg.Metadata)
			}
			// Both parse the same way: the real one and ours give pivots of
			// the same levels and leaves, and rows of counties and
			// municipalities only.
			pr, err := udir.ParsePivot(real)
			if err != nil {
				t.Fatal(err)
			}
			po, err := udir.ParsePivot(ours)
			if err != nil {
				t.Fatal(err)
			}
			if po.Levels != pr.Levels || len(po.Leaves) != len(pr.Leaves) || len(po.Rows) == 0 {
				t.Errorf("%s: %d levels %d leaves %d rows; real %d levels %d leaves", c.path, po.Levels, len(po.Leaves), len(po.Rows), pr.Levels, len(pr.Leaves))
			}
			for _, r := range po.Rows {
				if len(r.Kode) != 2 && len(r.Kode) != 4 || strings.Count(r.ID, ".") != len(r.Kode)/2 {
					t.Errorf("%s: row %+v is not a county or municipality at its depth", c.path, r)
				}
			}
		}
	})

	// check compares a pivot's rows with the truth for one year, grade and
	// subject: every value, "" where nobody took the test, "*" in all
	// three measures exactly where 1-9 did. It returns the rows checked.
	check := func(t *testing.T, p *udir.Pivot, year, grade int, subject string, publicOnly bool) int {
		t.Helper()
		if len(p.Leaves) != 3 {
			t.Fatalf("%d leaves, want 3", len(p.Leaves))
		}
		for _, r := range p.Rows {
			s := truth.stats[udirTruthKey{Code: r.Kode, Year: year, Grade: grade, Subject: subject, PublicOnly: publicOnly}]
			want := []cell.Status{cell.OK, cell.OK, cell.OK}
			switch {
			case s.N == 0:
				want = []cell.Status{cell.Missing, cell.Missing, cell.Missing}
			case s.N < 10:
				want = []cell.Status{cell.Suppressed, cell.Suppressed, cell.Suppressed}
			}
			got := []cell.Status{r.Values[0].Status, r.Values[1].Status, r.Values[2].Status}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s (%d participants): %v, want %v", r.Kode, r.Navn, s.N, r.Raw, want)
				continue
			}
			if s.N < 10 {
				continue
			}
			// A mean at .5 may be summed either side of it.
			if math.Abs(r.Values[0].Number-s.mean()) > 0.5+1e-9 || math.Abs(s.mean()-math.Floor(s.mean())-0.5) > 1e-9 && r.Values[0].Number != math.Round(s.mean()) ||
				int(r.Values[2].Number) != s.N || math.Abs(r.Values[1].Number-s.margin()) > 0.05+1e-9 {
				t.Errorf("%s %s: %q, want mean %.3f, margin %.3f, %d participants", r.Kode, r.Navn, r.Raw, s.mean(), s.margin(), s.N)
			}
		}
		return len(p.Rows)
	}
	pivot := func(t *testing.T, path, filter, radSti string) *udir.Pivot {
		t.Helper()
		code, body := udirGet(t, srv.URL, path+"/data", udirQuery(filter, radSti))
		if code != http.StatusOK {
			t.Fatalf("HTTP %d: %s", code, body)
		}
		p, err := udir.ParsePivot(body)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("ValuesFromTheMicrodata", func(t *testing.T) {
		p := pivot(t, ungdom, "SkoleAarID(20232024)_TrinnID(7)_ProevetypeID(1)_EnhetID(-12)", "*.*")
		if n := check(t, p, 2023, 8, "numeracy", false); n < 300 {
			t.Errorf("only %d rows", n)
		}
		// One municipality by hand: the largest of 2023-24's 8th grade.
		var big string
		for muni := range truth.schoolsOf {
			if truth.stats[udirTruthKey{Code: muni, Year: 2023, Grade: 8, Subject: "numeracy"}].N > truth.stats[udirTruthKey{Code: big, Year: 2023, Grade: 8, Subject: "numeracy"}].N {
				big = muni
			}
		}
		s := truth.stats[udirTruthKey{Code: big, Year: 2023, Grade: 8, Subject: "numeracy"}]
		i := slices.IndexFunc(p.Rows, func(r udir.Row) bool { return r.Kode == big })
		if i < 0 || s.N < 30 || p.Rows[i].Raw[0] != fmt.Sprint(math.Round(s.mean())) || p.Rows[i].Raw[2] != fmt.Sprint(s.N) {
			t.Errorf("%s: %v, want %d participants (mean %.2f)", big, p.Rows[i].Raw, s.N, s.mean())
		}
		// A mix of everything: suppressed and shown municipalities.
		var shown, suppressed int
		for _, r := range p.Rows {
			switch r.Values[0].Status {
			case cell.OK:
				shown++
			case cell.Suppressed:
				suppressed++
			}
		}
		if shown < 20 || suppressed < 20 {
			t.Errorf("%d shown, %d suppressed rows; the test wants many of both", shown, suppressed)
		}

		// 5th grade, public schools only, another year.
		check(t, pivot(t, trinn5, "SkoleAarID(20222023)_ProevetypeID(3)_EnhetID(-12)_EierformID(8)", "-12.*.*"), 2022, 5, "english", true)
		// No radSti: the nation's row alone.
		p = pivot(t, ungdom, "SkoleAarID(20242025)_TrinnID(8)_ProevetypeID(2)", "")
		if len(p.Rows) != 1 || p.Rows[0].Kode != "I" || p.Rows[0].ID != "1" {
			t.Fatalf("rows %+v, want the nation's", p.Rows)
		}
		check(t, p, 2024, 9, "reading", false)
		// The nation's count has a space between the thousands.
		n := truth.stats[udirTruthKey{Code: "I", Year: 2024, Grade: 9, Subject: "reading"}].N
		if want := fmt.Sprintf("%d %03d", n/1000, n%1000); n < 1000 || n >= 1e6 || p.Rows[0].Raw[2] != want {
			t.Errorf("nation: %q participants, want %q", p.Rows[0].Raw[2], want)
		}
	})

	t.Run("SchoolsOfAMunicipality", func(t *testing.T) {
		var muni udir.Unit
		for _, u := range units.Units {
			if u.Level == udir.LevelMunicipality && len(u.Children) > len(muni.Children) {
				muni = u
			}
		}
		p := pivot(t, ungdom, "SkoleAarID(20242025)_TrinnID(7)_ProevetypeID(3)_EnhetID("+strconv.FormatInt(muni.ID, 10)+")", "*")
		var got, want []string
		for _, r := range p.Rows {
			got = append(got, r.Kode)
		}
		for _, s := range truth.schoolsOf[muni.Kode] {
			if s.From <= 9 && s.To >= 8 {
				want = append(want, s.Orgnr)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if len(want) < 2 || !reflect.DeepEqual(got, want) {
			t.Errorf("schools of %s: %v, want %v", muni.Kode, got, want)
		}
		check(t, p, 2024, 8, "english", false)
	})

	t.Run("CommaBetweenValuesIs400", func(t *testing.T) {
		code, body := udirGet(t, srv.URL, ungdom+"/data", udirQuery("SkoleAarID(20232024,20242025)_TrinnID(7)_ProevetypeID(2)", "*.*"))
		want := `{"kode":400,"feiltype":"Feil i forespørselen","melding":"Feil format på filtrene!","tilleggsinfo":"Vennligst se API-dokumentasjonen på https://statistikkportalen.udir.no/api/rapportering/swagger"}`
		if code != http.StatusBadRequest || string(body) != want {
			t.Errorf("HTTP %d %s", code, body)
		}
		// With _ the two years come as two columns of the header.
		p := pivot(t, ungdom, "SkoleAarID(20232024_20242025)_TrinnID(7)_ProevetypeID(2)", "*.*")
		if len(p.Leaves) != 6 || p.Leaves[0].Path[0].Name != "2024-25" || p.Leaves[3].Path[0].Name != "2023-24" {
			t.Errorf("two years: %d leaves, %+v", len(p.Leaves), p.Leaves)
		}
		if code, _ := udirGet(t, srv.URL, ungdom+"/data", url.Values{"radSti": {"*.*"}}); code != http.StatusBadRequest {
			t.Errorf("no filter: HTTP %d", code)
		}
	})

	t.Run("NinthGradeEnglishIsEmpty", func(t *testing.T) {
		code, body := udirGet(t, srv.URL, ungdom+"/data", udirQuery("SkoleAarID(20242025)_TrinnID(8)_ProevetypeID(3)_EnhetID(-12)", "*.*"))
		want := `{"metadata":{"rowHierarchy":["Nasjonalt","Fylke","Kommune","Enhet"],"columns":[]},"rows":[]}`
		if code != http.StatusOK || string(body) != want {
			t.Errorf("HTTP %d %s", code, body)
		}
		if real, err := os.ReadFile(filepath.Join(udirReal, "data.ungdomstrinn.grade9.NPENG.anchor12.json")); err == nil && string(bytes.TrimSpace(real)) != want {
			t.Errorf("the real empty answer is %s", real)
		}
		// Years before 2022-23 are not in this report.
		p := pivot(t, ungdom, "SkoleAarID(20212022)_TrinnID(7)_ProevetypeID(2)", "*.*")
		if len(p.Rows) != 0 || p.Levels != 0 {
			t.Errorf("2021-22: %d rows", len(p.Rows))
		}
	})

	t.Run("Drift", func(t *testing.T) {
		em, err := New(context.Background(), Options{Data: dir, Drift: true})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(em)
		defer srv.Close()
		_, body := udirGet(t, srv.URL, ungdom+"/data", udirQuery("SkoleAarID(20242025)_TrinnID(7)_ProevetypeID(2)", "*.*"))
		_, err = udir.ParsePivot(body)
		var pe *udir.PivotError
		if !errors.As(err, &pe) || pe.Field != "rows" {
			t.Errorf("drifted data parsed: %v", err)
		}
	})
}
