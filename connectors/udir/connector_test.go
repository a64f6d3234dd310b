package udir

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/microdata"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/emulator/emulatortest"
)

// nation is a small simulated nation (school years 2014-2024), generated
// once for the package.
var nation string

func TestMain(m *testing.M) { emulatortest.Main(m, &nation, 5, 0.02) }

// key and val are one row of the stream.
type key struct {
	Year        int32
	Level, Code string
	Grade       int32
	Subject     string
	Measure     string
}

type val struct {
	Value  float64 // NaN when null
	Status string
	Name   string
	HasID  bool
}

// participation is a unit's test in one year, grade and subject, summed by
// the test from the microdata files.
type participation struct {
	N       int
	Sum, Sq float64
}

type unitKey struct {
	Code        string
	Year, Grade int
	Subject     string
}

// simulated sums the participants' scale scores of every county,
// municipality and school, read from the simulated files without the
// emulator.
func simulated(t *testing.T) map[unitKey]participation {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(nation, "nation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var n struct {
		Municipalities []struct{ Code, County string } `json:"municipalities"`
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatal(err)
	}
	county := map[string]string{}
	for _, m := range n.Municipalities {
		county[m.Code] = m.County
	}
	muni := map[string]string{}
	readTable(t, "schools", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			muni[r.Column(0).(*array.String).Value(i)] = r.Column(2).(*array.String).Value(i)
		}
	})
	out := map[unitKey]participation{}
	readTable(t, "national_tests", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			if r.Column(5).(*array.String).Value(i) != "participated" {
				continue
			}
			org := r.Column(4).(*array.String).Value(i)
			v := r.Column(6).(*array.Float64).Value(i)
			for _, code := range []string{county[muni[org]], muni[org], org} {
				k := unitKey{code, int(r.Column(1).(*array.Int32).Value(i)), int(r.Column(2).(*array.Int32).Value(i)), r.Column(3).(*array.String).Value(i)}
				p := out[k]
				p.N++
				p.Sum += v
				p.Sq += v * v
				out[k] = p
			}
		}
	})
	return out
}

func readTable(t *testing.T, table string, fn func(arrow.RecordBatch)) {
	t.Helper()
	err := microdata.Each(context.Background(), nation, table, func(rec arrow.RecordBatch) error {
		fn(rec)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func serve(t *testing.T, opt emulator.Options) (*httptest.Server, *emulator.Server) {
	t.Helper()
	return emulatortest.Serve(t, nation, opt)
}

// read runs the connector and returns its rows.
func read(t *testing.T, cfg Config, from connectors.Checkpoint) (map[key]val, connectors.Batches, error) {
	t.Helper()
	b, err := openStream(t, cfg, Stream, from)
	if err != nil {
		return nil, nil, err
	}
	out := map[key]val{}
	for b.Next() {
		r := b.RecordBatch()
		if !r.Schema().Equal(Schema) {
			t.Fatalf("schema %s", r.Schema())
		}
		for i := 0; i < int(r.NumRows()); i++ {
			k := key{Year: r.Column(0).(*array.Int32).Value(i), Level: r.Column(1).(*array.String).Value(i),
				Code: r.Column(2).(*array.String).Value(i), Grade: r.Column(5).(*array.Int32).Value(i),
				Subject: r.Column(6).(*array.String).Value(i), Measure: r.Column(7).(*array.String).Value(i)}
			v := val{Value: math.NaN(), Status: r.Column(9).(*array.String).Value(i), Name: r.Column(3).(*array.String).Value(i),
				HasID: r.Column(4).IsValid(i)}
			if r.Column(8).IsValid(i) {
				v.Value = r.Column(8).(*array.Float64).Value(i)
			}
			if _, dup := out[k]; dup {
				t.Errorf("row %+v twice", k)
			}
			out[k] = v
		}
	}
	return out, b, b.Err()
}

// checkAgainst compares every row with the sums of the microdata: the
// count, the rounded mean, the margin 1.96·sd/√n to its one decimal;
// suppressed exactly where 1-9 took the test, missing where none did.
func checkAgainst(t *testing.T, rows map[key]val, truth map[unitKey]participation) {
	t.Helper()
	for k, v := range rows {
		p := truth[unitKey{k.Code, int(k.Year), int(k.Grade), k.Subject}]
		want := "ok"
		switch {
		case p.N == 0:
			want = "missing"
		case p.N < 10:
			want = "suppressed"
		}
		if v.Status != want || (want == "ok") == math.IsNaN(v.Value) || !v.HasID || v.Name == "" {
			t.Errorf("%+v: %+v, want %s (%d participants)", k, v, want, p.N)
			continue
		}
		if want != "ok" {
			continue
		}
		n := float64(p.N)
		var exp, tol float64
		switch k.Measure {
		case "participants":
			exp = n
		case "scale_score":
			// A mean at .5 may be summed either side of it.
			exp = math.Round(p.Sum / n)
			if math.Abs(p.Sum/n-math.Floor(p.Sum/n)-0.5) < 1e-9 {
				exp, tol = math.Floor(p.Sum/n)+0.5, 0.5
			}
		case "uncertainty":
			exp, tol = 1.96*math.Sqrt((p.Sq-p.Sum*p.Sum/n)/(n-1)/n), 0.05+1e-9
		default:
			t.Fatalf("measure %q", k.Measure)
		}
		if math.Abs(v.Value-exp) > tol {
			t.Errorf("%+v: %g, want %g", k, v.Value, exp)
		}
	}
}

func TestReadsTheSimulatedNation(t *testing.T) {
	srv, _ := serve(t, emulator.Options{})
	rows, _, err := read(t, Config{BaseURL: srv.URL + emulator.UdirPrefix}, nil)
	if err != nil {
		t.Fatal(err)
	}
	truth := simulated(t)
	checkAgainst(t, rows, truth)

	// Every combination of the tests from 2022-23 (9th grade has no
	// English), each with every county and municipality that had a
	// participant, with all three measures; nothing else.
	type combo struct {
		Year, Grade int
		Subject     string
	}
	want := map[combo]bool{}
	for _, y := range []int{2022, 2023, 2024} {
		for _, g := range []int{5, 8, 9} {
			for _, s := range []string{"english", "reading", "numeracy"} {
				if g != 9 || s != "english" {
					want[combo{y, g, s}] = true
				}
			}
		}
	}
	got := map[combo]bool{}
	levels := map[string]int{}
	for k := range rows {
		got[combo{int(k.Year), int(k.Grade), k.Subject}] = true
		levels[k.Level]++
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("combinations %v, want %v", got, want)
	}
	if levels["county"] == 0 || levels["municipality"] == 0 || len(levels) != 2 {
		t.Errorf("rows by level %v, want counties and municipalities", levels)
	}
	missing := 0
	for k, p := range truth {
		if len(k.Code) != 4 || p.N == 0 || k.Year < 2022 {
			continue
		}
		for _, m := range []string{"scale_score", "uncertainty", "participants"} {
			if _, ok := rows[key{Year: int32(k.Year), Level: "municipality", Code: k.Code, Grade: int32(k.Grade), Subject: k.Subject, Measure: m}]; !ok {
				missing++
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d municipality values with participants are not in the rows", missing)
	}
	var ok, suppressed int
	for _, v := range rows {
		switch v.Status {
		case "ok":
			ok++
		case "suppressed":
			suppressed++
		}
	}
	if ok < 1000 || suppressed < 1000 {
		t.Errorf("%d ok and %d suppressed values; the test wants many of both", ok, suppressed)
	}
}

func TestSchoolLevel(t *testing.T) {
	srv, _ := serve(t, emulator.Options{})
	rows, _, err := read(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_NP_Geo_Trinn5"}, Years: []int{2023}, Level: LevelSchools}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAgainst(t, rows, simulated(t))
	schools := map[string]bool{}
	for k := range rows {
		if k.Year != 2023 || k.Grade != 5 {
			t.Fatalf("row %+v outside 2023-24 5th grade", k)
		}
		if k.Level == "school" {
			schools[k.Code] = true
		}
	}
	if len(schools) < 50 {
		t.Errorf("%d schools", len(schools))
	}
}

// TestSameRowsUnderFaults: with a tenth of the requests failing in every
// way the emulator knows, the connector returns exactly the clean rows.
func TestSameRowsUnderFaults(t *testing.T) {
	srv, _ := serve(t, emulator.Options{})
	cfg := Config{BaseURL: srv.URL + emulator.UdirPrefix}
	want, _, err := read(t, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A read is ~35 requests: three reads meet every kind of fault.
	fsrv, em := serve(t, emulator.Options{Faults: emulator.Faults{Failure: 0.04, RateLimit: 0.03, Truncate: 0.03, Seed: 3}})
	cfg.BaseURL = fsrv.URL + emulator.UdirPrefix
	for i := 0; i < 3; i++ {
		got, _, err := read(t, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || !sameRows(got, want) {
			t.Errorf("read %d under faults: %d rows, want the %d of a clean read", i, len(got), len(want))
		}
	}
	counts := em.FaultCounts()
	if counts["429"] == 0 || counts["truncate"] == 0 || counts["500"]+counts["502"]+counts["503"] == 0 {
		t.Errorf("faults injected: %v; want some of every kind", counts)
	}
}

// sameRows compares rows, NaN (null) equal to NaN.
func sameRows(a, b map[key]val) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Status != w.Status || v.Name != w.Name || v.HasID != w.HasID ||
			!(v.Value == w.Value || math.IsNaN(v.Value) && math.IsNaN(w.Value)) {
			return false
		}
	}
	return true
}

func TestDriftFailsNamingTheField(t *testing.T) {
	srv, _ := serve(t, emulator.Options{Drift: true})
	_, _, err := read(t, Config{BaseURL: srv.URL + emulator.UdirPrefix}, nil)
	var pe *connectors.PayloadError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v; want a PayloadError", err)
	}
	if pe.Field != "rows" || pe.Source != "udir" || !strings.Contains(pe.Endpoint, "/NasjonaleProever/1/1/data?") || len(pe.Payload) == 0 || !pe.BadInput() {
		t.Errorf("PayloadError %q (field %q, endpoint %q, %d payload bytes)", pe, pe.Field, pe.Endpoint, len(pe.Payload))
	}
}

// rewriting serves the emulator with fn applied to the bodies of the
// requests whose path has the substring.
func rewriting(t *testing.T, substring string, fn func(string) string) *httptest.Server {
	t.Helper()
	em, err := emulator.New(context.Background(), emulator.Options{Data: nation})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		em.ServeHTTP(rec, r)
		body := rec.Body.String()
		if strings.Contains(r.URL.Path, substring) {
			body = fn(body)
		}
		w.WriteHeader(rec.Code)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestHeaderMustBeWhatWasAskedFor: a pivot whose header names another
// year or another grade than the request's fails, naming the header.
func TestHeaderMustBeWhatWasAskedFor(t *testing.T) {
	for name, c := range map[string]struct{ from, to, reason string }{
		"year":    {`"name":"2024-25"`, `"name":"2019-20"`, "is not of 2024-25"},
		"grade":   {`"name":"8. årstrinn"`, `"name":"9. årstrinn"`, `header says "9. årstrinn", asked for grade 8`},
		"measure": {`"name":"Usikkerhet"`, `"name":"Standardavvik"`, `unknown measure "Standardavvik"`},
	} {
		t.Run(name, func(t *testing.T) {
			srv := rewriting(t, "/data", func(s string) string { return strings.ReplaceAll(s, c.from, c.to) })
			_, _, err := read(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_NP_Geografisk"}, Years: []int{2024}}, nil)
			var pe *connectors.PayloadError
			if !errors.As(err, &pe) || !strings.HasPrefix(pe.Field, "metadata.columns") || !strings.Contains(err.Error(), c.reason) {
				t.Errorf("got %v; want a PayloadError on the header saying %s", err, c.reason)
			}
		})
	}
}

// TestDataEndpointFromTheReportPage: the data path is the one the
// Rapportside names, whatever its version.
func TestDataEndpointFromTheReportPage(t *testing.T) {
	var asked atomic.Int32
	em, err := emulator.New(context.Background(), emulator.Options{Data: nation})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/NasjonaleProever/4/9/") {
			asked.Add(1)
			r.URL.Path = strings.Replace(r.URL.Path, "/4/9/", "/4/1/", 1)
		}
		rec := httptest.NewRecorder()
		em.ServeHTTP(rec, r)
		body := rec.Body.String()
		if strings.Contains(r.URL.Path, "/Rapportside/") {
			body = strings.ReplaceAll(body, "NasjonaleProever/4/1/", "NasjonaleProever/4/9/")
		}
		w.WriteHeader(rec.Code)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	rows, _, err := read(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_NP_Geo_Trinn5"}, Years: []int{2022}}, nil)
	// Rapportside, filterVerdier and three tests, all at version 9.
	if err != nil || len(rows) == 0 || asked.Load() != 4 {
		t.Errorf("%d rows, %d requests at the moved endpoint, err %v", len(rows), asked.Load(), err)
	}
}

func TestYears(t *testing.T) {
	srv, _ := serve(t, emulator.Options{})
	rows, _, err := read(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_NP_Geo_Trinn5"}, Years: []int{2023}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k := range rows {
		if k.Year != 2023 {
			t.Fatalf("row of %d", k.Year)
		}
	}
	if _, _, err := read(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Years: []int{2030}}, nil); err == nil || !strings.Contains(err.Error(), "does not offer the school year 2030-31") {
		t.Errorf("a year not offered: %v", err)
	}
	if _, err := New(Config{Years: []int{2021}}, emulatortest.Client()); err == nil {
		t.Error("2021 accepted: the report has the tests from 2022-23")
	}
}

func TestIncremental(t *testing.T) {
	srv, _ := serve(t, emulator.Options{})
	cfg := Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_NP_Geo_Trinn5"}}
	first, b, err := read(t, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cp := b.Checkpoint()
	second, b2, err := read(t, cfg, cp)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := b2.(connectors.Unchanger); len(first) == 0 || !ok || !u.Unchanged() || len(second) != 0 {
		t.Fatalf("second read: %d rows, unchanged %v; want none, unchanged", len(second), ok && u.Unchanged())
	}
	// Another level asks other questions: not unchanged.
	cfg.Level = LevelSchools
	third, b3, err := read(t, cfg, cp)
	if err != nil {
		t.Fatal(err)
	}
	if b3.(connectors.Unchanger).Unchanged() || len(third) <= len(first) {
		t.Errorf("school level from the municipality checkpoint: unchanged %v, %d rows", b3.(connectors.Unchanger).Unchanged(), len(third))
	}
}

func TestFilterExpr(t *testing.T) {
	got := filterExpr(map[string][]int64{"TrinnID": {7}, "SkoleAarID": {20232024, 20242025}, "EnhetID": {-12}})
	if want := "EnhetID(-12)_SkoleAarID(20232024_20242025)_TrinnID(7)"; got != want {
		t.Errorf("%s, want %s", got, want)
	}
}

func TestConfigChecked(t *testing.T) {
	if _, err := New(Config{Level: "county"}, emulatortest.Client()); err == nil {
		t.Error("level county accepted")
	}
	if _, err := New(Config{}, nil); err == nil {
		t.Error("no HTTP client accepted")
	}
	f, ok := connectors.Default.Lookup("udir")
	if !ok {
		t.Fatal("udir is not registered")
	}
	cfg := f.New().(*Config)
	if cfg.BaseURL != DefaultBaseURL || !reflect.DeepEqual(cfg.Reports, DefaultReports) || cfg.Level != LevelMunicipalities {
		t.Errorf("defaults %+v", cfg)
	}
}

// BenchmarkRead: a read of both reports, every year, down to the
// municipalities (27 data requests) or the schools, from the in-process
// emulator over the test nation (scale 0.02).
func BenchmarkRead(b *testing.B) {
	em, err := emulator.New(context.Background(), emulator.Options{Data: nation})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(em)
	defer srv.Close()
	for _, level := range []string{LevelMunicipalities, LevelSchools} {
		b.Run(level, func(b *testing.B) {
			src, err := New(Config{BaseURL: srv.URL + emulator.UdirPrefix, Level: level}, emulatortest.Client())
			if err != nil {
				b.Fatal(err)
			}
			rows := 0
			for b.Loop() {
				rows = countRows(b, src, Stream)
			}
			b.ReportMetric(float64(rows), "rows/read")
		})
	}
}
