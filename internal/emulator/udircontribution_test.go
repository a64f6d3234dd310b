package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/connectors/udir"
	"github.com/skolestat/skolestat/internal/sim"
)

// TestUdirReportListAndContribution runs the list of report pages and the
// school contribution over one small simulated nation, then over the
// same nation without its truth files.
func TestUdirReportListAndContribution(t *testing.T) {
	dir := t.TempDir()
	if _, err := sim.Generate(context.Background(), sim.Options{Out: dir, Seed: 13, Scale: 0.02, SurveyYears: -1}); err != nil {
		t.Fatal(err)
	}
	serve := func() string {
		em, err := New(context.Background(), Options{Data: dir})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(em)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	base := serve()
	const path = "rest/v1/Statistikk/GSK/SkolebidragG/1/1"

	t.Run("ListNamesEveryPage", func(t *testing.T) {
		code, body := udirGet(t, base, "rest/v1/Rapportside", nil)
		list, _, err := udir.ParseReportList(body)
		if code != http.StatusOK || err != nil {
			t.Fatalf("HTTP %d, %v: %s", code, err, body)
		}
		var kodes []string
		for _, e := range list {
			kodes = append(kodes, e.Kode)
			code, page := udirGet(t, base, "rest/v1/Rapportside/"+e.Kode, nil)
			p, err := udir.ParseReportPage(page)
			if code != http.StatusOK || err != nil || p.Kode != e.Kode || p.ID != e.ID || p.Navn != e.Navn {
				t.Errorf("listed %+v: HTTP %d, %+v, %v", e, code, p, err)
			}
		}
		want := []string{"GSK_NP_Geo_Trinn5", "GSK_NP_Geografisk", "GSK_fravaer", "GSK_Elev_Skol", "GSK_GSPoeng", "GSK_GSKarakterer",
			"GSK_Skolebidrag_EMULATED", "GSK_Overganger_EMULATED"}
		if !reflect.DeepEqual(kodes, want) {
			t.Errorf("listed %v, want %v (by id)", kodes, want)
		}
	})

	truth := readContributionTruth(t, dir)

	t.Run("PageAndFilterValues", func(t *testing.T) {
		_, body := udirGet(t, base, "rest/v1/Rapportside/GSK_Skolebidrag_EMULATED", nil)
		p, err := udir.ParseReportPage(body)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := p.DataEndpoint()
		if data != path+"/data" || p.FilterValuesEndpoint != path+"/filterVerdier" || !reflect.DeepEqual(p.Filters, []string{"EierformID", "EnhetID", "TidID"}) {
			t.Errorf("page %+v", p)
		}
		_, fv := udirGet(t, base, path+"/filterVerdier", nil)
		tid, err := udir.FilterValues(fv, "TidID")
		if err != nil {
			t.Fatal(err)
		}
		// One TidID per pair of spring years F+(F+1) in the truth, newest
		// first: (F+1)06, named F-(F+1).
		var got, want []string
		for _, v := range tid {
			got = append(got, fmt.Sprintf("%d %s", v.ID, v.Navn))
		}
		for f := truth.last; f >= truth.first; f-- {
			if truth.pairs[f] {
				want = append(want, fmt.Sprintf("%d06 %d-%02d", f+1, f, (f+1)%100))
			}
		}
		if !reflect.DeepEqual(got, want) || len(want) == 0 {
			t.Errorf("TidID %v, want %v", got, want)
		}
		if !reflect.DeepEqual(p.DefaultFilters["TidID"], []int64{tid[0].ID}) {
			t.Errorf("default TidID %v, want the newest %d", p.DefaultFilters["TidID"], tid[0].ID)
		}
	})

	t.Run("CountiesFromTheTruth", func(t *testing.T) {
		checked, flags := 0, map[string]int{}
		for f := truth.first; f <= truth.last; f++ {
			if truth.pairs[f] {
				checked += checkContributionCounties(t, base, truth, f, flags)
			}
		}
		if checked == 0 || len(flags) != 3 {
			t.Errorf("%d county values checked, flags %v; want some of each flag", checked, flags)
		}
	})

	t.Run("OtherOwnersSelectNothing", func(t *testing.T) {
		_, body := udirGet(t, base, path+"/data", udirQuery("EierformID(8)_EnhetID(-12)_TidID(202406)", "*"))
		if p, err := udir.ParsePivot(body); err != nil || len(p.Rows) != 0 || len(p.Leaves) != 0 {
			t.Errorf("EierformID(8): %s", body)
		}
	})

	t.Run("NoTruthNoPage", func(t *testing.T) {
		if err := os.RemoveAll(filepath.Join(dir, "truth")); err != nil {
			t.Fatal(err)
		}
		base := serve()
		_, body := udirGet(t, base, "rest/v1/Rapportside", nil)
		list, _, err := udir.ParseReportList(body)
		// The transitions page is of the enrolments, not of the truth.
		if err != nil || len(list) != 7 || strings.Contains(string(body), "Skolebidrag") || list[6].Kode != "GSK_Overganger_EMULATED" {
			t.Errorf("list without truth: %s, %v", body, err)
		}
		if code, _ := udirGet(t, base, "rest/v1/Rapportside/GSK_Skolebidrag_EMULATED", nil); code != http.StatusNotFound {
			t.Errorf("page without truth: HTTP %d", code)
		}
	})
}

// checkContributionCounties compares the counties' cells of the pair of
// spring years f, f+1 with the truth, counting the flags; it returns the
// number of county values checked.
func checkContributionCounties(t *testing.T, base string, truth *contributionTruth, f int, flags map[string]int) int {
	t.Helper()
	const path = "rest/v1/Statistikk/GSK/SkolebidragG/1/1"
	filter := fmt.Sprintf("EierformID(-10)_EnhetID(-12)_TidID(%d06)", f+1)
	code, body := udirGet(t, base, path+"/data", udirQuery(filter, "*"))
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, body)
	}
	// Decoded here, not by udir.ParsePivot: the flag is a text, which
	// only the connector's school contribution accepts.
	var p struct {
		Metadata struct{ Columns [][]udirHeader }
		Rows     []udirRow
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	// Header: the year over everything, a level over each three
	// measures; the levels the pair has, in order.
	cols := p.Metadata.Columns
	year := fmt.Sprintf("%d-%02d", f, (f+1)%100)
	if len(cols) != 3 || len(cols[0]) != 1 || cols[0][0].Name != year || cols[0][0].ColumnCount != 3*len(cols[1]) || len(cols[2]) != 3*len(cols[1]) {
		t.Fatalf("header %+v", cols)
	}
	var levels []string
	for li, h := range cols[1] {
		levels = append(levels, h.Name)
		for j, m := range []string{"Skolebidrag", "Signifikans", "Antall elever"} {
			if h.ColumnCount != 3 || cols[2][3*li+j].Name != m || cols[2][3*li+j].ColumnCount != 1 {
				t.Errorf("header %+v", cols)
			}
		}
	}
	var wantLevels []string
	for _, l := range []string{"1-4", "5-7", "8-10"} {
		if truth.levels[[2]any{f, l}] {
			wantLevels = append(wantLevels, strings.Replace(l, "-", ".-", 1)+". trinn")
		}
	}
	if !reflect.DeepEqual(levels, wantLevels) {
		t.Fatalf("levels %v, want %v", levels, wantLevels)
	}
	if len(p.Rows) != len(truth.counties) {
		t.Errorf("%d rows, want one per county (%d)", len(p.Rows), len(truth.counties))
	}
	checked := 0
	for _, r := range p.Rows {
		for li, level := range levels {
			l := strings.TrimSuffix(strings.ReplaceAll(level, ".-", "-"), ". trinn")
			a := truth.sum[contributionTruthKey{r.Kode, l, f}]
			raw := r.Data[3*li : 3*li+3]
			switch {
			case a.n == 0:
				if raw[0] != "" || raw[1] != "" || raw[2] != "" {
					t.Errorf("county %s %s: %v, want empty", r.Kode, level, raw)
				}
			case a.n < 10:
				if raw[0] != "*" || raw[1] != "*" || raw[2] != "*" {
					t.Errorf("county %s %s (%d pupils): %v, want *", r.Kode, level, a.n, raw)
				}
			default:
				checked++
				v := 10 * a.sum / float64(a.n)
				se := 1.96 * 10 / math.Sqrt(float64(a.n))
				flag := "ikke signifikant"
				if v > se {
					flag = "over"
				} else if v < -se {
					flag = "under"
				}
				flags[flag]++
				value, errV := cell.Parse(raw[0])
				count, errN := cell.Parse(raw[2])
				if errV != nil || errN != nil || value.Status != cell.OK || math.Abs(value.Number-v) > 0.05+1e-9 || raw[1] != flag ||
					count.Status != cell.OK || count.Number != float64(a.n) {
					t.Errorf("county %s %s: %v, want %.3f, %s, %d", r.Kode, level, raw, v, flag, a.n)
				}
			}
		}
	}
	return checked
}

type contributionTruthKey struct {
	code, level string
	first       int // spring year of the earlier cohort
}

type contributionTruthSum struct {
	n   int64
	sum float64 // n × effect_z
}

// contributionTruth is the truth window effects summed by county, read
// by the test from the truth file and the simulated schools.
type contributionTruth struct {
	sum         map[contributionTruthKey]contributionTruthSum
	pairs       map[int]bool // first spring years
	levels      map[[2]any]bool
	first, last int
	counties    map[string]bool
}

func readContributionTruth(t *testing.T, dir string) *contributionTruth {
	t.Helper()
	countyOf := schoolCounty(t, dir)
	f, err := file.OpenParquetFile(filepath.Join(dir, "truth", "school_effects_window.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fr, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: 4096}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	out := &contributionTruth{sum: map[contributionTruthKey]contributionTruthSum{}, pairs: map[int]bool{},
		levels: map[[2]any]bool{}, first: math.MaxInt, counties: map[string]bool{}}
	for rr.Next() {
		rec := rr.RecordBatch()
		col := func(name string) arrow.Array { return rec.Column(rec.Schema().FieldIndices(name)[0]) }
		org, level, window := col("school_orgnr").(*array.String), col("level").(*array.String), col("window").(*array.String)
		z, n := col("effect_z").(*array.Float64), col("n_pupils").(*array.Int64)
		for i := range int(rec.NumRows()) {
			var a, b int
			if _, err := fmt.Sscanf(window.Value(i), "%d+%d", &a, &b); err != nil || b != a+1 {
				t.Fatalf("window %q", window.Value(i))
			}
			out.pairs[a], out.levels[[2]any{a, level.Value(i)}] = true, true
			out.first, out.last = min(out.first, a), max(out.last, a)
			c := countyOf[org.Value(i)]
			out.counties[c] = true
			k := contributionTruthKey{c, level.Value(i), a}
			s := out.sum[k]
			s.n += n.Value(i)
			s.sum += float64(n.Value(i)) * z.Value(i)
			out.sum[k] = s
		}
	}
	return out
}
