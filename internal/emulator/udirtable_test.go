package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/skolestat/skolestat/connectors/udir"
	"github.com/skolestat/skolestat/internal/sim"
)

// readRealIn reads a captured payload of shared/conformance/udir/<dir>,
// skipping when it is absent.
func readRealIn(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(udirReal, "..", dir, name))
	if err != nil {
		t.Skipf("no real payload to compare with: %v", err)
	}
	return b
}

// TestUdirTables runs the reports by TidID over one small simulated
// nation (school years 2014-2024).
func TestUdirTables(t *testing.T) {
	dir := t.TempDir()
	if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: 7, Scale: 0.02, SurveyYears: -1}); err != nil {
		t.Fatal(err)
	}
	em, err := New(context.Background(), Options{Data: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(em)
	defer srv.Close()
	const gsi, fravaer, gsp, karakterer = "rest/v1/Statistikk/GSK/GSI/1/8", "rest/v1/Statistikk/GSK/FravaerG/1/1",
		"rest/v1/Statistikk/GSK/ResultatG/1/1", "rest/v1/Statistikk/GSK/ResultatFagG/1/1"

	t.Run("Transitions", func(t *testing.T) { checkTransitions(t, srv.URL, dir) })

	t.Run("PagesPointAtTheData", func(t *testing.T) {
		for kode, path := range map[string]string{"GSK_Elev_Skol": gsi, "GSK_fravaer": fravaer, "GSK_GSPoeng": gsp, "GSK_GSKarakterer": karakterer} {
			code, body := udirGet(t, srv.URL, "rest/v1/Rapportside/"+kode, nil)
			if code != http.StatusOK {
				t.Fatalf("%s: HTTP %d", kode, code)
			}
			p, err := udir.ParseReportPage(body)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := p.DataEndpoint()
			if p.Kode != kode || data != path+"/data" || p.FilterValuesEndpoint != path+"/filterVerdier" || !p.Suppressed {
				t.Errorf("%s: %+v", kode, p)
			}
			// Every default filter is a valid one and has a list.
			_, fv := udirGet(t, srv.URL, path+"/filterVerdier", nil)
			for f := range p.DefaultFilters {
				if _, err := udir.FilterValues(fv, f); err != nil || !strings.Contains(strings.Join(p.Filters, " "), f) {
					t.Errorf("%s: default filter %s: %v", kode, f, err)
				}
			}
		}
	})

	t.Run("ShapeOfTheRealPayloads", func(t *testing.T) {
		for _, c := range []struct{ dir, page, data, kode, path, filter string }{
			{"udir-gsi", "rapportside.json", "data_202410.json", "GSK_Elev_Skol", gsi, "EnhetID(-12)_KjoennID(-10)_KommunalitetID(-10)_SpoersmaalID(1_2_3_5)_TidID(202410)_TrinnID(-10)"},
			{"udir-fravar", "rapportside.json", "data.202506.anchor12.json", "GSK_fravaer", fravaer, "EierformID(-10)_EnhetID(-12)_KjoennID(-10)_TidID(202506)_VisAntallPersoner(1)_VisMaaltall(0)"},
		} {
			real := readRealIn(t, c.dir, c.page)
			_, ours := udirGet(t, srv.URL, "rest/v1/Rapportside/"+c.kode, nil)
			for _, p := range [][]any{{}, {"rappside"}, {"rappside", "rapportElementer", 0}} {
				if g, w := jsonKeys(t, field(t, ours, p...)), jsonKeys(t, field(t, real, p...)); !reflect.DeepEqual(g, w) {
					t.Errorf("%s %v: keys\n %v\nwant\n %v", c.kode, p, g, w)
				}
			}
			if g, w := jsonKeys(t, field(t, ours, "rappside", "filterDefaultVerdier")), jsonKeys(t, field(t, real, "rappside", "filterDefaultVerdier")); !reflect.DeepEqual(g, w) {
				t.Errorf("%s defaults %v, want %v", c.kode, g, w)
			}
			for _, k := range []string{"gyldigeFiltre", "filterVerdiEndepunkt", "id"} {
				if g, w := string(field(t, ours, "rappside", k)), string(field(t, real, "rappside", k)); g != w {
					t.Errorf("%s %s: %s, want %s", c.kode, k, g, w)
				}
			}

			real = readRealIn(t, c.dir, c.data)
			code, body := udirGet(t, srv.URL, c.path+"/data", udirQuery(c.filter, "*.*"))
			if code != http.StatusOK {
				t.Fatalf("HTTP %d: %s", code, body)
			}
			var og, rg struct {
				Metadata struct {
					RowHierarchy []string
					Columns      [][]udirHeader
				}
			}
			json.Unmarshal(body, &og)
			json.Unmarshal(real, &rg)
			// The same header, the year (2024-25 from TidID 202410 in GSI
			// and 202506 in absence) included, and the same rows' keys.
			if !reflect.DeepEqual(og.Metadata, rg.Metadata) {
				t.Errorf("%s: header %+v\nwant %+v", c.kode, og.Metadata, rg.Metadata)
			}
			if g, w := jsonKeys(t, field(t, body, "rows", 0)), jsonKeys(t, field(t, real, "rows", 0)); !reflect.DeepEqual(g, w) {
				t.Errorf("%s rows: keys %v, want %v", c.kode, g, w)
			}
			pr, _ := udir.ParsePivot(real)
			po, err := udir.ParsePivot(body)
			if err != nil || len(po.Rows) < 20 || len(po.Leaves) != len(pr.Leaves) {
				t.Errorf("%s: %v, %d rows", c.kode, err, len(po.Rows))
			}
		}
	})

	t.Run("Quirks", func(t *testing.T) {
		code, body := udirGet(t, srv.URL, gsp+"/data", udirQuery("TidID(202406,202506)", "*.*"))
		if code != http.StatusBadRequest || !strings.Contains(string(body), udirBadFilter) {
			t.Errorf("comma: HTTP %d %s", code, body)
		}
		// A year not offered, or a gender not emulated: the empty result.
		for _, f := range []string{"TidID(201006)", "TidID(202506)_KjoennID(2)"} {
			_, body = udirGet(t, srv.URL, gsp+"/data", udirQuery(f, "*.*"))
			if want := `{"metadata":{"rowHierarchy":["Nasjonalt","Fylke","Kommune","Enhet"],"columns":[]},"rows":[]}`; string(body) != want {
				t.Errorf("%s: %s", f, body)
			}
		}
		// Two years come as two runs of columns, the newest first.
		_, body = udirGet(t, srv.URL, gsp+"/data", udirQuery("TidID(202406_202506)", ""))
		p, err := udir.ParsePivot(body)
		if err != nil || len(p.Leaves) != 4 || p.Leaves[0].Path[0].Name != "2024-25" || p.Leaves[2].Path[0].Name != "2023-24" || len(p.Rows) != 1 || p.Rows[0].Kode != "I" {
			t.Errorf("two years: %v %+v", err, p)
		}
		// The nation's pupil count has a space between the thousands.
		if n := p.Rows[0].Raw[3]; len(n) < 5 || n[len(n)-4] != ' ' {
			t.Errorf("nation's pupils %q", n)
		}
		// Without VisAntallPersoner absence has four measures.
		_, body = udirGet(t, srv.URL, fravaer+"/data", udirQuery("TidID(202506)_VisAntallPersoner(0)", "*.*"))
		if p, err := udir.ParsePivot(body); err != nil || len(p.Leaves) != 4 || p.Leaves[3].Measure() != "Snitt timer" {
			t.Errorf("absence without the count: %v %+v", err, p)
		}
	})

	t.Run("GradesPutTheSubjectFirst", func(t *testing.T) {
		_, fv := udirGet(t, srv.URL, karakterer+"/filterVerdier", nil)
		subjects, err := udir.FilterValues(fv, "FagID")
		if err != nil || len(subjects) < 10 {
			t.Fatalf("%v, %d subjects", err, len(subjects))
		}
		// Two subjects of the 2024-25 curriculum (LK20), one of the old.
		var a, b, old udir.FilterValue
		for _, s := range subjects {
			switch s.Kode {
			case "MAT0015":
				a = s
			case "ENG0030":
				b = s
			case "MAT0010":
				old = s
			}
		}
		if a.ID == 0 || b.ID == 0 || old.ID == 0 {
			t.Fatalf("subjects %+v", subjects)
		}
		f := "TidID(202506)_KaraktertypeID(1)_FagID(" + itoa(a.ID) + "_" + itoa(b.ID) + ")"
		_, body := udirGet(t, srv.URL, karakterer+"/data", udirQuery(f, "*.*.*"))
		p, err := udir.ParsePivot(body)
		if err != nil {
			t.Fatal(err)
		}
		prefixes := map[string]int{}
		for _, r := range p.Rows {
			seg, rest, _ := strings.Cut(r.ID, ".")
			prefixes[seg]++
			if !strings.HasPrefix(rest, "1.") || (len(r.Kode) != 2 && len(r.Kode) != 4) {
				t.Errorf("row %s %s", r.ID, r.Kode)
			}
		}
		if len(prefixes) != 2 || prefixes[itoa(a.ID)] != prefixes[itoa(b.ID)] || p.RowHierarchy[0] != "Fag" ||
			p.Leaves[0].Path[1].Name != "Standpunktkarakter" {
			t.Errorf("prefixes %v, hierarchy %v, header %v", prefixes, p.RowHierarchy, p.Leaves[0].Path)
		}
		// A subject no one was graded in that year has no rows.
		_, body = udirGet(t, srv.URL, karakterer+"/data", udirQuery("TidID(202506)_KaraktertypeID(1)_FagID("+itoa(old.ID)+")", "*.*.*"))
		if p3, err := udir.ParsePivot(body); err != nil || len(p3.Rows) != 0 {
			t.Errorf("MAT0010 in 2024-25: %v, %d rows", err, len(p3.Rows))
		}
		// A radSti naming one subject gives its rows only.
		_, body = udirGet(t, srv.URL, karakterer+"/data", udirQuery(f, itoa(b.ID)+".*.*"))
		p2, _ := udir.ParsePivot(body)
		if len(p2.Rows) != prefixes[itoa(b.ID)] || !strings.HasPrefix(p2.Rows[0].ID, itoa(b.ID)+".") {
			t.Errorf("one subject: %d rows", len(p2.Rows))
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
