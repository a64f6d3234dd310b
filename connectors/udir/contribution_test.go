package udir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/emulator/emulatortest"
)

// crow is one row of the school contribution stream.
type crow struct {
	SchoolYear  int32 // -1 when null
	YearID      int64
	YearName    string
	Level, Code string
	Report      string
	Columns     string
	Measure     string
	Value       float64 // NaN when null
	Status, Raw string
	HasID       bool
}

// readContribution runs the connector on the school contribution stream.
func readContribution(t *testing.T, cfg Config, from connectors.Checkpoint) ([]crow, connectors.Batches, error) {
	t.Helper()
	src, err := New(cfg, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	return readDiscovered(t, src, StreamSchoolContribution, from)
}

// readDiscovered reads a discovered stream (school contribution or
// transitions) from src.
func readDiscovered(t *testing.T, src *Source, stream string, from connectors.Checkpoint) ([]crow, connectors.Batches, error) {
	t.Helper()
	b, err := src.Read(context.Background(), stream, from)
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() { b.Close() })
	var out []crow
	for b.Next() {
		r := b.RecordBatch()
		if !r.Schema().Equal(SchoolContributionSchema) {
			t.Fatalf("schema %s", r.Schema())
		}
		str := func(c, i int) string { return r.Column(c).(*array.String).Value(i) }
		for i := range int(r.NumRows()) {
			c := crow{SchoolYear: -1, YearID: r.Column(1).(*array.Int64).Value(i), YearName: str(2, i), Level: str(3, i), Code: str(4, i),
				Report: str(7, i), Columns: str(8, i), Measure: str(9, i), Value: math.NaN(), Status: str(11, i), Raw: str(12, i),
				HasID: r.Column(6).IsValid(i)}
			if r.Column(0).IsValid(i) {
				c.SchoolYear = r.Column(0).(*array.Int32).Value(i)
			}
			if r.Column(10).IsValid(i) {
				c.Value = r.Column(10).(*array.Float64).Value(i)
			}
			out = append(out, c)
		}
	}
	return out, b, b.Err()
}

// renamed serves the emulator with the page of the emulator-only code
// emulated under another code, so that a connector that found it by its
// code would not: every answer says newKode for the emulator's code, and
// a request for newKode's page is served the emulator's. It counts the
// requests for each report page and for the list (under "").
func renamed(t *testing.T, emulated, newKode string) (*httptest.Server, map[string]int, *sync.Mutex) {
	t.Helper()
	em, err := emulator.New(context.Background(), emulator.Options{Data: nation})
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]int{}
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const page = "/rest/v1/Rapportside/"
		if strings.HasSuffix(r.URL.Path, "/rest/v1/Rapportside") {
			mu.Lock()
			pages[""]++
			mu.Unlock()
		}
		if i := strings.Index(r.URL.Path, page); i >= 0 {
			kode := r.URL.Path[i+len(page):]
			mu.Lock()
			pages[kode]++
			mu.Unlock()
			if kode == emulated {
				http.NotFound(w, r)
				return
			}
			if kode == newKode {
				r.URL.Path = r.URL.Path[:i+len(page)] + emulated
			}
		}
		rec := httptest.NewRecorder()
		em.ServeHTTP(rec, r)
		w.WriteHeader(rec.Code)
		io.WriteString(w, strings.ReplaceAll(rec.Body.String(), emulated, newKode))
	}))
	t.Cleanup(srv.Close)
	return srv, pages, &mu
}

// windowTruth is one row of truth/school_effects_window.parquet.
type windowTruth struct {
	school, level string
	first         int // spring year of the earlier cohort
	z             float64
	n             int64
}

// readWindowTruth reads the simulator's true window effects directly.
func readWindowTruth(t *testing.T) []windowTruth {
	t.Helper()
	f, err := file.OpenParquetFile(filepath.Join(nation, "truth", "school_effects_window.parquet"), false)
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
	var out []windowTruth
	for rr.Next() {
		rec := rr.RecordBatch()
		col := func(name string) arrow.Array { return rec.Column(rec.Schema().FieldIndices(name)[0]) }
		org, level, window := col("school_orgnr").(*array.String), col("level").(*array.String), col("window").(*array.String)
		z, n := col("effect_z").(*array.Float64), col("n_pupils").(*array.Int64)
		for i := range int(rec.NumRows()) {
			w := windowTruth{school: org.Value(i), level: level.Value(i), z: z.Value(i), n: n.Value(i)}
			var later int
			if _, err := fmt.Sscanf(window.Value(i), "%d+%d", &w.first, &later); err != nil || later != w.first+1 {
				t.Fatalf("window %q", window.Value(i))
			}
			out = append(out, w)
		}
	}
	return out
}

// TestSchoolContributionDiscovered: the connector finds the school
// contribution's page among the listed ones under a code it cannot know,
// reads every grunnskole page once to do so, and lands every year; the
// values of a school and of a municipality are those worked out here from
// the simulator's truth; "*" lands suppressed with a null value and the
// significance flag as a label.
func TestSchoolContributionDiscovered(t *testing.T) {
	const kode = "GSK_Q_0417"
	srv, pages, mu := renamed(t, "GSK_Skolebidrag_EMULATED", kode)
	cfg := Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_GSPoeng"}, Level: LevelSchools}
	rows, b, err := readContribution(t, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	wantPages := map[string]int{"": 1, "GSK_NP_Geografisk": 1, "GSK_NP_Geo_Trinn5": 1, "GSK_GSPoeng": 1, "GSK_GSKarakterer": 1,
		"GSK_Elev_Skol": 1, "GSK_fravaer": 1, "GSK_Overganger_EMULATED": 1, kode: 1}
	if !reflect.DeepEqual(pages, wantPages) {
		t.Errorf("report pages read %v, want each listed page once: %v", pages, wantPages)
	}
	mu.Unlock()

	// Expected, from the truth: a unit's pupils and pupil-weighted
	// effect per (spring year of the earlier cohort, level).
	muniOf, _ := geography(t)
	type ukey struct {
		code, level string
		first       int
	}
	type agg struct {
		n   int64
		sum float64
	}
	want := map[ukey]agg{}
	firsts := map[int]bool{}
	for _, w := range readWindowTruth(t) {
		firsts[w.first] = true
		for _, code := range []string{w.school, muniOf[w.school]} {
			a := want[ukey{code, w.level, w.first}]
			a.n += w.n
			a.sum += float64(w.n) * w.z
			want[ukey{code, w.level, w.first}] = a
		}
	}
	header := map[string]string{"1-4": "1.-4. trinn", "5-7": "5.-7. trinn", "8-10": "8.-10. trinn"}
	type got struct{ value, flag, count crow }
	landed := map[ukey]*got{}
	years := map[int32]bool{}
	for _, r := range rows {
		if r.Report != kode || !r.HasID {
			t.Fatalf("row %+v: want report %s and an EnhetID", r, kode)
		}
		// The pair of spring years F, F+1 is TidID (F+1)06 named F-(F+1):
		// the school year ending in spring F+1, when the later cohort
		// finished its level (the emulator's documented choice).
		first := int(r.SchoolYear)
		if r.SchoolYear < 0 || r.YearID != int64(first+1)*100+6 || r.YearName != fmt.Sprintf("%d-%02d", first, (first+1)%100) {
			t.Fatalf("row %+v: year not mapped to its school year", r)
		}
		years[r.SchoolYear] = true
		var cols []string
		if err := json.Unmarshal([]byte(r.Columns), &cols); err != nil || len(cols) != 2 || cols[1] != r.Measure {
			t.Fatalf("row %+v: columns %v, %v", r, cols, err)
		}
		level := ""
		for l, h := range header {
			if h == cols[0] {
				level = l
			}
		}
		if r.Level == "county" {
			continue
		}
		k := ukey{r.Code, level, first}
		if landed[k] == nil {
			landed[k] = &got{}
		}
		switch r.Measure {
		case "Skolebidrag":
			landed[k].value = r
		case "Signifikans":
			landed[k].flag = r
		case "Antall elever":
			landed[k].count = r
		default:
			t.Fatalf("row %+v: measure", r)
		}
	}
	if len(years) != len(firsts) {
		t.Errorf("school years %v; want one per pair of the truth (%d)", years, len(firsts))
	}
	var ok, suppressed, missing int
	for k, g := range landed {
		a := want[k]
		switch {
		case a.n == 0:
			missing++
			for _, c := range []crow{g.value, g.flag, g.count} {
				if c.Status != "missing" || !math.IsNaN(c.Value) {
					t.Errorf("%+v: %+v, want missing", k, c)
				}
			}
		case a.n < 10:
			suppressed++
			for _, c := range []crow{g.value, g.flag, g.count} {
				if c.Status != "suppressed" || !math.IsNaN(c.Value) || c.Raw != "*" {
					t.Errorf("%+v (%d pupils): %+v, want suppressed with a null value", k, a.n, c)
				}
			}
		default:
			ok++
			v := 10 * a.sum / float64(a.n)
			flag := "ikke signifikant"
			if math.Abs(v) > 1.96*10/math.Sqrt(float64(a.n)) {
				flag = map[bool]string{true: "over", false: "under"}[v > 0]
			}
			if g.value.Status != "ok" || math.Abs(g.value.Value-v) > 0.05+1e-9 {
				t.Errorf("%+v: contribution %+v, want %.3f to one decimal", k, g.value, v)
			}
			if g.count.Status != "ok" || g.count.Value != float64(a.n) {
				t.Errorf("%+v: pupils %+v, want %d", k, g.count, a.n)
			}
			if g.flag.Status != "label" || g.flag.Raw != flag || !math.IsNaN(g.flag.Value) {
				t.Errorf("%+v: flag %+v, want the label %q", k, g.flag, flag)
			}
		}
	}
	// Every unit with pupils in the truth has landed.
	for k, a := range want {
		if _, ok := landed[k]; !ok && a.n > 0 {
			t.Errorf("%+v (%d pupils) not landed", k, a.n)
		}
	}
	if ok == 0 || suppressed == 0 {
		t.Errorf("%d units with a contribution, %d suppressed; want some of each", ok, suppressed)
	}
	t.Logf("%d rows: %d unit-year-levels with a contribution, %d suppressed, %d missing", len(rows), ok, suppressed, missing)

	// A second read from the checkpoint is unchanged (discovery again).
	again, b2, err := readContribution(t, cfg, b.Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	if u, isU := b2.(connectors.Unchanger); !isU || !u.Unchanged() || len(again) != 0 {
		t.Errorf("second read: %d rows; want none, unchanged", len(again))
	}
}

// listServer serves a hand-written report API: the list at
// rest/v1/Rapportside, pages by kode (a kode with no page is 404), and
// counts the requests by path.
func listServer(t *testing.T, list string, pages map[string]string) (*httptest.Server, map[string]int) {
	t.Helper()
	hits := map[string]int{}
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path == "/rest/v1/Rapportside" {
			io.WriteString(w, list)
			return
		}
		if p, ok := pages[strings.TrimPrefix(r.URL.Path, "/rest/v1/Rapportside/")]; ok {
			io.WriteString(w, p)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

// page is a minimal report page with one data endpoint.
func page(kode, data string) string {
	return fmt.Sprintf(`{"rappside":{"id":1,"kode":%q,"navn":"x","gyldigeFiltre":["EnhetID","TidID"],`+
		`"filterDefaultVerdier":{"EnhetID":[-12]},"rapportElementer":[{"dataEndepunkt":%q}]},"tekster":{}}`, kode, data)
}

// TestSchoolContributionAbsent: a list with no page of SkolebidragG (or
// OvergangerG) makes the stream absent, not a failure; only the
// grunnskole pages are read, once for both streams, and a listed page
// that is missing or of another shape is skipped.
func TestSchoolContributionAbsent(t *testing.T) {
	list := `[{"id":1,"kode":"GSK_GSPoeng","navn":"Grunnskolepoeng"},{"id":2,"kode":"VGO_Skolebidrag_Del_Bes"},` +
		`{"id":3,"kode":"GSK_EU_mobbing"},{"id":4,"kode":"GSK_Odd"},{"id":5,"kode":"BHG_Skolebidrag"}]`
	srv, hits := listServer(t, list, map[string]string{
		"GSK_GSPoeng":             page("GSK_GSPoeng", "rest/v1/Statistikk/GSK/ResultatG/1/1/data"),
		"GSK_Odd":                 `{"rappside":{"kode":"GSK_Odd","rapportElementer":[]}}`,
		"VGO_Skolebidrag_Del_Bes": page("VGO_Skolebidrag_Del_Bes", "rest/v1/Statistikk/GSK/SkolebidragG/1/1/data"),
	})
	src, err := New(Config{BaseURL: srv.URL, Reports: []string{"GSK_GSPoeng"}}, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	// The transitions are absent too, from the same discovery: no
	// request more.
	for _, stream := range []string{StreamSchoolContribution, StreamTransitions} {
		_, _, err := readDiscovered(t, src, stream, nil)
		var pe *connectors.PayloadError
		if !errors.Is(err, connectors.ErrStreamAbsent) || errors.As(err, &pe) {
			t.Fatalf("%s: got %v; want the stream absent", stream, err)
		}
	}
	for path, want := range map[string]int{
		"/rest/v1/Rapportside": 1, "/rest/v1/Rapportside/GSK_GSPoeng": 1, "/rest/v1/Rapportside/GSK_EU_mobbing": 1,
		"/rest/v1/Rapportside/GSK_Odd": 1, "/rest/v1/Rapportside/VGO_Skolebidrag_Del_Bes": 0, "/rest/v1/Rapportside/BHG_Skolebidrag": 0,
	} {
		if hits[path] != want {
			t.Errorf("%s requested %d times, want %d (all: %v)", path, hits[path], want, hits)
		}
	}
	if len(hits) != 4 {
		t.Errorf("requests %v; want the list and the three grunnskole pages only", hits)
	}
}

// TestSchoolContributionListOfAnotherShape: a list that is neither an
// array of pages nor an object wrapping one fails, naming the endpoint.
func TestSchoolContributionListOfAnotherShape(t *testing.T) {
	for name, list := range map[string]string{
		"strings":     `["GSK_GSPoeng","GSK_fravaer"]`,
		"no kode":     `[{"id":1,"navn":"x"}]`,
		"two arrays":  `{"sider":[{"kode":"GSK_A"}],"andre":[{"kode":"GSK_B"}]}`,
		"not JSON":    `<html>Vedlikehold</html>`,
		"number kode": `{"rapportsider":[{"kode":"GSK_A"},{"kode":17}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv, hits := listServer(t, list, nil)
			_, _, err := readContribution(t, Config{BaseURL: srv.URL, Reports: []string{"GSK_GSPoeng"}}, nil)
			var pe *connectors.PayloadError
			if !errors.As(err, &pe) || pe.Endpoint != srv.URL+"/rest/v1/Rapportside" || string(pe.Payload) != list || errors.Is(err, connectors.ErrStreamAbsent) {
				t.Fatalf("got %v; want a PayloadError on %s/rest/v1/Rapportside", err, srv.URL)
			}
			if len(hits) != 1 {
				t.Errorf("requests %v; want the list only", hits)
			}
		})
	}
}

func TestParseReportList(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []ReportListEntry
		field    string // of the error; "-" for none
	}{
		{"array", `[{"id":71,"kode":"GSK_NP_Geografisk","navn":"Nasjonale prøver "},{"kode":" GSK_X"}]`,
			[]ReportListEntry{{71, "GSK_NP_Geografisk", "Nasjonale prøver"}, {0, "GSK_X", ""}}, "-"},
		{"wrapped", ` {"antall":2,"rapportsider":[{"id":"9","kode":"GSK_A","navn":null}]}`,
			[]ReportListEntry{{0, "GSK_A", ""}}, "-"},
		{"empty", `[]`, []ReportListEntry{}, "-"},
		{"object entry without kode", `{"sider":[{"kode":"GSK_A"},{"kode":""}]}`, nil, "sider[1].kode"},
		{"string entry", `[{"kode":"GSK_A"},"GSK_B"]`, nil, "[1]"},
		{"no array", `{"kode":"GSK_A"}`, nil, ""},
		{"null", `null`, nil, ""},
		{"number", `136`, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, field, err := ParseReportList([]byte(c.in))
			if c.field == "-" {
				if err != nil || !reflect.DeepEqual(got, c.want) {
					t.Errorf("= %+v, %v; want %+v", got, err, c.want)
				}
				return
			}
			if err == nil || field != c.field {
				t.Errorf("= %+v, field %q, %v; want an error on field %q", got, field, err, c.field)
			}
		})
	}
}

func TestContributionYears(t *testing.T) {
	fv := `{"TidID":[{"indeks":0,"id":202406,"kode":"202406","navn":"2023-24"},` +
		`{"indeks":1,"id":202306,"kode":"202306","navn":"Foreløpige tall 2022-23"},` +
		`{"indeks":2,"id":202206,"kode":"202206","navn":"2020-21 og 2021-22"},` +
		`{"indeks":3,"id":2021,"kode":"2021","navn":"2021"}],` +
		`"SkoleAarID":[{"indeks":0,"id":20242025,"kode":"20242025","navn":"2024-25"},{"indeks":1,"id":20232025,"kode":"x","navn":"2023-25"}]}`
	for _, c := range []struct {
		filter string
		want   []pageYear
	}{
		{"TidID", []pageYear{{2021, "2021", 0}, {202206, "2020-21 og 2021-22", 0}, {202306, "2022-23", 2022}, {202406, "2023-24", 2023}}},
		{"SkoleAarID", []pageYear{{20232025, "2023-25", 0}, {20242025, "2024-25", 2024}}},
	} {
		got, err := pageYears([]byte(fv), c.filter)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, %v; want %+v", c.filter, got, err, c.want)
		}
	}
	if _, err := pageYears([]byte(`{"TidID":[{"indeks":0,"id":202406,"kode":"a","navn":"2023-24"},{"indeks":1,"id":202406,"kode":"b","navn":"2023-24"}]}`), "TidID"); err == nil {
		t.Error("a year offered twice accepted")
	}
}

// TestDiscoveredStreamsOff: school_contribution or transitions false
// drops that stream and leaves the other.
func TestDiscoveredStreamsOff(t *testing.T) {
	off := false
	for _, c := range []struct {
		cfg      Config
		off, on  string
		switched string
	}{
		{Config{SchoolContribution: &off}, StreamSchoolContribution, StreamTransitions, "school_contribution"},
		{Config{Transitions: &off}, StreamTransitions, StreamSchoolContribution, "transitions"},
	} {
		c.cfg.Reports = []string{"GSK_GSPoeng"}
		src, err := New(c.cfg, emulatortest.Client())
		if err != nil {
			t.Fatal(err)
		}
		st, _ := src.Streams(context.Background())
		var names []string
		for _, s := range st {
			names = append(names, s.Name)
		}
		if slices.Contains(names, c.off) || !slices.Contains(names, c.on) {
			t.Errorf("%s false: streams %v; want %s and not %s", c.switched, names, c.on, c.off)
		}
		if _, err := src.Read(context.Background(), c.off, nil); err == nil || errors.Is(err, connectors.ErrStreamAbsent) {
			t.Errorf("read of %s with %s false: %v; want an error", c.off, c.switched, err)
		}
	}
}

// BenchmarkSchoolContribution: discovery (the list and the 8 emulated
// pages; a new Source each time, since a Source keeps its discovery) and
// a read of every pair down to the schools, from the in-process emulator
// over the test nation (scale 0.02).
func BenchmarkSchoolContribution(b *testing.B) {
	em, err := emulator.New(context.Background(), emulator.Options{Data: nation})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(em)
	defer srv.Close()
	rows := 0
	for b.Loop() {
		src, err := New(Config{BaseURL: srv.URL + emulator.UdirPrefix, Level: LevelSchools}, emulatortest.Client())
		if err != nil {
			b.Fatal(err)
		}
		rows = countRows(b, src, StreamSchoolContribution)
	}
	b.ReportMetric(float64(rows), "rows/read")
}
