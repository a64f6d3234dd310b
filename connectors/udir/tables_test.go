package udir

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/emulator/emulatortest"
)

// trow is one row of a stream other than the national tests, keyed by
// everything but the value.
type trow struct {
	Year        int32
	Level, Code string
	Dims        string // the stream's other dimensions joined by "|"
	Measure     string
}

// readStream runs the connector on one stream and returns its rows.
func readStream(t *testing.T, cfg Config, stream string, from connectors.Checkpoint) (map[trow]val, connectors.Batches, error) {
	t.Helper()
	b, err := openStream(t, cfg, stream, from)
	if err != nil {
		return nil, nil, err
	}
	out := map[trow]val{}
	for b.Next() {
		collect(t, b.RecordBatch(), out)
	}
	return out, b, b.Err()
}

// openStream reads stream with a Source of cfg on the emulator's fast
// client; the batches are closed when the test ends.
func openStream(t *testing.T, cfg Config, stream string, from connectors.Checkpoint) (connectors.Batches, error) {
	t.Helper()
	src, err := New(cfg, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.Read(context.Background(), stream, from)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { b.Close() })
	return b, nil
}

// countRows reads stream of src to the end and returns its rows; the
// benchmarks' loop body.
func countRows(b *testing.B, src *Source, stream string) int {
	b.Helper()
	bt, err := src.Read(context.Background(), stream, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer bt.Close()
	rows := 0
	for bt.Next() {
		rows += int(bt.RecordBatch().NumRows())
	}
	return rows
}

// collect adds a record's rows to out, failing on a repeated key.
func collect(t *testing.T, r arrow.RecordBatch, out map[trow]val) {
	t.Helper()
	n := int(r.NumCols())
	for i := 0; i < int(r.NumRows()); i++ {
		var dims []string
		for c := 5; c < n-3; c++ {
			dims = append(dims, r.Column(c).(*array.String).Value(i))
		}
		k := trow{Year: r.Column(0).(*array.Int32).Value(i), Level: r.Column(1).(*array.String).Value(i),
			Code: r.Column(2).(*array.String).Value(i), Dims: strings.Join(dims, "|"), Measure: r.Column(n - 3).(*array.String).Value(i)}
		v := val{Value: math.NaN(), Status: r.Column(n - 1).(*array.String).Value(i), Name: r.Column(3).(*array.String).Value(i), HasID: r.Column(4).IsValid(i)}
		if r.Column(n - 2).IsValid(i) {
			v.Value = r.Column(n - 2).(*array.Float64).Value(i)
		}
		if _, dup := out[k]; dup {
			t.Errorf("row %+v twice", k)
		}
		out[k] = v
	}
}

// geography maps every school to its municipality and every municipality
// to its county, from the simulated files.
func geography(t *testing.T) (muniOf, countyOf map[string]string) {
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
	countyOf = map[string]string{}
	for _, m := range n.Municipalities {
		countyOf[m.Code] = m.County
	}
	muniOf = map[string]string{}
	readTable(t, "schools", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			muniOf[r.Column(0).(*array.String).Value(i)] = r.Column(2).(*array.String).Value(i)
		}
	})
	return muniOf, countyOf
}

// meanTruth is a unit's mean and count, summed by the test.
type meanTruth struct {
	N   int
	Sum float64
}

// checkMeans compares the rows of one measure pair (mean, count) with
// the truth: "ok" with the mean to one decimal and the exact count from
// 10 pupils, "suppressed" with null values under 10, "missing" at none.
func checkMeans(t *testing.T, rows map[trow]val, meanMeasure string, truth map[trow]meanTruth) (ok, suppressed int) {
	t.Helper()
	for k, v := range rows {
		tk := k
		tk.Measure = ""
		p := truth[tk]
		want := "ok"
		switch {
		case p.N == 0:
			want = "missing"
		case p.N < 10:
			want = "suppressed"
		}
		if v.Status != want || (want == "ok") == math.IsNaN(v.Value) || !v.HasID || v.Name == "" {
			t.Errorf("%+v: %+v, want %s (%d pupils)", k, v, want, p.N)
			continue
		}
		switch {
		case want == "suppressed":
			suppressed++
		case want != "ok":
		case k.Measure == "pupils":
			if v.Value != float64(p.N) {
				t.Errorf("%+v: %g pupils, want %d", k, v.Value, p.N)
			}
		case k.Measure == meanMeasure:
			ok++
			if mean := p.Sum / float64(p.N); math.Abs(v.Value-mean) > 0.05+1e-9 {
				t.Errorf("%+v: %g, want %.4f to one decimal", k, v.Value, mean)
			}
		default:
			t.Errorf("%+v: measure %q", k, k.Measure)
		}
	}
	return ok, suppressed
}

// gradeRows calls fn for every grade of the simulated files.
func gradeRows(t *testing.T, fn func(pupil string, year int32, org, subject, typ, grade string)) {
	t.Helper()
	readTable(t, "grades", func(r arrow.RecordBatch) {
		c := func(i int) *array.String { return r.Column(i).(*array.String) }
		for i := 0; i < int(r.NumRows()); i++ {
			fn(c(0).Value(i), r.Column(1).(*array.Int32).Value(i), c(2).Value(i), c(3).Value(i), c(4).Value(i), c(5).Value(i))
		}
	})
}

// TestGradePointsFromTheMicrodata: every county's and municipality's
// grunnskolepoeng, recomputed here from the grades file: per pupil the
// mean of the numeric grades, rounded to two decimals, times ten, for
// pupils with a numeric grade in more than half of their subjects.
func TestGradePointsFromTheMicrodata(t *testing.T) {
	srv, _ := serve(t, emulator.Options{})
	rows, _, err := readStream(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_GSPoeng"}}, StreamGradePoints, nil)
	if err != nil {
		t.Fatal(err)
	}
	muniOf, countyOf := geography(t)
	type pupilYear struct {
		pupil string
		year  int32
	}
	type diploma struct {
		school   string
		subjects map[string]bool // → has a numeric grade
		grades   []float64
	}
	diplomas := map[pupilYear]*diploma{}
	years := map[int32]bool{}
	gradeRows(t, func(pupil string, year int32, org, subject, _, grade string) {
		k := pupilYear{pupil, year}
		d := diplomas[k]
		if d == nil {
			d = &diploma{school: org, subjects: map[string]bool{}}
			diplomas[k] = d
		}
		years[year] = true
		switch grade {
		case "1", "2", "3", "4", "5", "6":
			d.subjects[subject] = true
			d.grades = append(d.grades, float64(grade[0]-'0'))
		default:
			d.subjects[subject] = d.subjects[subject] || false
		}
	})
	truth := map[trow]meanTruth{}
	for k, d := range diplomas {
		numeric := 0
		for _, n := range d.subjects {
			if n {
				numeric++
			}
		}
		if numeric*2 <= len(d.subjects) {
			continue
		}
		sum := 0.0
		for _, g := range d.grades {
			sum += g
		}
		points := math.Round(sum/float64(len(d.grades))*100) / 100 * 10
		muni := muniOf[d.school]
		for _, u := range []trow{{Year: k.year, Level: "county", Code: countyOf[muni]}, {Year: k.year, Level: "municipality", Code: muni}} {
			m := truth[u]
			m.N++
			m.Sum += points
			truth[u] = m
		}
	}
	ok, suppressed := checkMeans(t, rows, "grade_points", truth)
	if ok < 100 || suppressed < 20 {
		t.Errorf("%d values shown and %d suppressed; the test wants many of both", ok, suppressed)
	}
	// The years are the grades' (TidID 202506 is 2024-25), each with every
	// municipality that has pupils with points.
	got := map[int32]bool{}
	for k := range rows {
		got[k.Year] = true
	}
	if !reflect.DeepEqual(got, years) {
		t.Errorf("years %v, want those of the grades %v", got, years)
	}
	for k, m := range truth {
		if _, found := rows[trow{k.Year, k.Level, k.Code, "", "pupils"}]; !found && m.N > 0 {
			t.Errorf("%+v (%d pupils) has no row", k, m.N)
		}
	}
	// The largest municipality of the last year by hand: mean points near
	// the national level of about 40, many pupils.
	var big trow
	for k, m := range truth {
		if k.Level == "municipality" && k.Year == 2024 && m.N > truth[big].N {
			big = k
		}
	}
	big.Measure = "grade_points"
	if v := rows[big]; truth[trow{big.Year, big.Level, big.Code, "", ""}].N < 30 || v.Value < 30 || v.Value > 50 {
		t.Errorf("%+v: %+v", big, v)
	}
}

// TestGradesFromTheMicrodata: the mean standpunkt and written exam grade
// of every subject, county and municipality, from the grades file.
func TestGradesFromTheMicrodata(t *testing.T) {
	srv, _ := serve(t, emulator.Options{})
	rows, _, err := readStream(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_GSKarakterer"}, Years: []int{2021, 2024}}, StreamGrades, nil)
	if err != nil {
		t.Fatal(err)
	}
	muniOf, countyOf := geography(t)
	truth := map[trow]meanTruth{}
	names := map[string]string{} // subject code → the name the rows give it
	for k, v := range rows {
		code, _, _ := strings.Cut(k.Dims, "|")
		names[code] = strings.Split(k.Dims, "|")[1]
		_ = v
	}
	gradeRows(t, func(_ string, year int32, org, subject, typ, grade string) {
		if (year != 2021 && year != 2024) || typ == "oral_exam" || len(grade) != 1 || grade[0] < '1' || grade[0] > '6' {
			return
		}
		muni := muniOf[org]
		dims := subject + "|" + names[subject] + "|" + typ
		for _, u := range []trow{{Year: year, Level: "county", Code: countyOf[muni], Dims: dims}, {Year: year, Level: "municipality", Code: muni, Dims: dims}} {
			m := truth[u]
			m.N++
			m.Sum += float64(grade[0] - '0')
			truth[u] = m
		}
	})
	ok, suppressed := checkMeans(t, rows, "mean_grade", truth)
	if ok < 100 || suppressed < 20 {
		t.Errorf("%d values shown and %d suppressed; the test wants many of both", ok, suppressed)
	}
	types := map[string]bool{}
	for k := range rows {
		types[strings.Split(k.Dims, "|")[2]] = true
		if k.Year != 2021 && k.Year != 2024 {
			t.Fatalf("row of %d", k.Year)
		}
	}
	if !reflect.DeepEqual(types, map[string]bool{"standpunkt": true, "written_exam": true}) {
		t.Errorf("grade types %v", types)
	}
	for k, m := range truth {
		if _, found := rows[trow{k.Year, k.Level, k.Code, k.Dims, "pupils"}]; !found && m.N > 0 {
			t.Errorf("%+v (%d grades) has no row", k, m.N)
		}
	}
}

// enrolmentCounts counts the pupils (all grades, or 10th grade) and the
// schools with pupils of every county and municipality, by autumn year.
func enrolmentCounts(t *testing.T, tenth bool) (pupils map[trow]int, schools map[trow]map[string]bool) {
	t.Helper()
	muniOf, countyOf := geography(t)
	pupils, schools = map[trow]int{}, map[trow]map[string]bool{}
	readTable(t, "enrolments", func(r arrow.RecordBatch) {
		for i := 0; i < int(r.NumRows()); i++ {
			if tenth && r.Column(2).(*array.Int32).Value(i) != 10 {
				continue
			}
			y, org := r.Column(1).(*array.Int32).Value(i), r.Column(3).(*array.String).Value(i)
			muni := muniOf[org]
			for _, u := range []trow{{Year: y, Level: "county", Code: countyOf[muni]}, {Year: y, Level: "municipality", Code: muni}} {
				pupils[u]++
				if schools[u] == nil {
					schools[u] = map[string]bool{}
				}
				schools[u][org] = true
			}
		}
	})
	return pupils, schools
}

// TestGSIFromTheEnrolments: pupils and schools of every county and
// municipality counted here from the enrolments; the synthetic counts of
// special education and adapted Norwegian lie between 0 and the pupils
// and are "*" only from 1 to 5.
func TestGSIFromTheEnrolments(t *testing.T) {
	srv, _ := serve(t, emulator.Options{})
	rows, _, err := readStream(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_Elev_Skol"}}, StreamGSI, nil)
	if err != nil {
		t.Fatal(err)
	}
	pupils, schools := enrolmentCounts(t, false)
	// A unit listed (it had pupils some year) without pupils this year has
	// every measure missing.
	shown := 0
	for k, v := range rows {
		if v.Status == "missing" {
			if pupils[trow{k.Year, k.Level, k.Code, "", ""}] > 0 {
				t.Errorf("%+v missing, but it has pupils", k)
			}
			continue
		}
		shown++
	}
	if shown != 4*len(pupils) {
		t.Errorf("%d rows not missing, want 4 for each of the %d units and years with pupils", shown, len(pupils))
	}
	suppressed := 0
	for u, n := range pupils {
		get := func(m string) val { return rows[trow{u.Year, u.Level, u.Code, "", m}] }
		if v := get("pupils"); v.Status != "ok" || v.Value != float64(n) || !v.HasID {
			t.Errorf("%+v: pupils %+v, want %d", u, v, n)
		}
		if v := get("schools"); v.Status != "ok" || v.Value != float64(len(schools[u])) {
			t.Errorf("%+v: schools %+v, want %d", u, v, len(schools[u]))
		}
		for _, m := range []string{"pupils_special_education", "pupils_adapted_norwegian"} {
			switch v := get(m); v.Status {
			case "ok":
				if v.Value < 0 || v.Value > float64(n) || (v.Value >= 1 && v.Value <= 5) || v.Value != math.Trunc(v.Value) {
					t.Errorf("%+v: %s %g of %d pupils", u, m, v.Value, n)
				}
			case "suppressed":
				suppressed++
				if !math.IsNaN(v.Value) {
					t.Errorf("%+v: %s suppressed with a value", u, m)
				}
			default:
				t.Errorf("%+v: %s %+v", u, m, v)
			}
		}
	}
	if suppressed == 0 {
		t.Error("no count suppressed; the test wants some")
	}
	// GSI's TidID 202410 is the count date of 2024-25: the enrolments'
	// years, autumn for autumn.
	if v := rows[trow{2024, "county", "03", "", "pupils"}]; pupils[trow{Year: 2024, Level: "county", Code: "03"}] > 0 && v.Status != "ok" {
		t.Errorf("Oslo 2024: %+v", v)
	}
}

// TestAbsenceOfTenthGrade: the pupils of each unit are its 10th graders
// in the enrolments; the synthetic days and hours are plausible; a unit
// under 5 pupils is suppressed in all five measures.
func TestAbsenceOfTenthGrade(t *testing.T) {
	srv, _ := serve(t, emulator.Options{})
	rows, _, err := readStream(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_fravaer"}, Years: []int{2022, 2023}}, StreamAbsence, nil)
	if err != nil {
		t.Fatal(err)
	}
	pupils, _ := enrolmentCounts(t, true)
	seen := 0
	for u, n := range pupils {
		if u.Year != 2022 && u.Year != 2023 {
			continue
		}
		seen++
		for _, m := range []string{"median_days", "median_hours", "mean_days", "mean_hours", "pupils"} {
			v, found := rows[trow{u.Year, u.Level, u.Code, "", m}]
			switch {
			case !found:
				t.Errorf("%+v: no %s", u, m)
			case n < 5:
				if v.Status != "suppressed" || !math.IsNaN(v.Value) {
					t.Errorf("%+v (%d pupils): %s %+v, want suppressed", u, n, m, v)
				}
			case v.Status != "ok":
				t.Errorf("%+v (%d pupils): %s %+v", u, n, m, v)
			case m == "pupils" && v.Value != float64(n):
				t.Errorf("%+v: %g pupils, want %d", u, v.Value, n)
			case m != "pupils" && (v.Value < 0 || v.Value > 60 || v.Value*2 != math.Trunc(v.Value*2) && strings.HasPrefix(m, "median")):
				t.Errorf("%+v: %s %g", u, m, v.Value)
			}
		}
	}
	shown := 0
	for k, v := range rows {
		if v.Status == "missing" {
			if pupils[trow{k.Year, k.Level, k.Code, "", ""}] > 0 {
				t.Errorf("%+v missing, but it has 10th graders", k)
			}
			continue
		}
		shown++
	}
	if seen == 0 || shown != 5*seen {
		t.Errorf("%d rows not missing for %d units and years with 10th graders", shown, seen)
	}
}

// TestTablesHeaderMustBeWhatWasAskedFor: a pivot of another year or
// grade type, or with a measure not known, fails naming the header.
func TestTablesHeaderMustBeWhatWasAskedFor(t *testing.T) {
	for name, c := range map[string]struct {
		report, stream, from, to, reason string
	}{
		"gsp year":      {"GSK_GSPoeng", StreamGradePoints, `"name":"2023-24"`, `"name":"2019-20"`, "is not of 2023-24"},
		"gsi year":      {"GSK_Elev_Skol", StreamGSI, `"name":"2023-24"`, `"name":"2024-25"`, "is not of 2023-24"},
		"grade type":    {"GSK_GSKarakterer", StreamGrades, `"name":"Skriftlig eksamen"`, `"name":"Muntlig eksamen"`, "is not of Skriftlig eksamen"},
		"measure":       {"GSK_fravaer", StreamAbsence, `"name":"Snitt timer"`, `"name":"Snitt minutter"`, `unknown measure "Snitt minutter"`},
		"measure twice": {"GSK_GSPoeng", StreamGradePoints, `"name":"Antall elever"`, `"name":"Grunnskolepoeng"`, `measure "Grunnskolepoeng" given twice`},
	} {
		t.Run(name, func(t *testing.T) {
			srv := rewriting(t, "/data", func(s string) string { return strings.ReplaceAll(s, c.from, c.to) })
			_, _, err := readStream(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{c.report}, Years: []int{2023}}, c.stream, nil)
			var pe *connectors.PayloadError
			if !errors.As(err, &pe) || !strings.HasPrefix(pe.Field, "metadata.columns") || !strings.Contains(pe.Endpoint, "/data?") ||
				len(pe.Payload) == 0 || !strings.Contains(err.Error(), c.reason) {
				t.Errorf("got %v; want a PayloadError on the header saying %s", err, c.reason)
			}
		})
	}
}

// TestTidIDNamedAnotherYear: a TidID whose name is not its school year
// (the scheme changed) fails on the filter values.
func TestTidIDNamedAnotherYear(t *testing.T) {
	srv := rewriting(t, "/filterVerdier", func(s string) string { return strings.ReplaceAll(s, `"navn":"2023-24"`, `"navn":"2024-25"`) })
	_, _, err := readStream(t, Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_fravaer"}}, StreamAbsence, nil)
	var pe *connectors.PayloadError
	if !errors.As(err, &pe) || pe.Field != "TidID" || !strings.Contains(err.Error(), `id 202406 is school year 2023-24, but it is named "2024-25"`) {
		t.Errorf("got %v", err)
	}
}

func TestTablesIncremental(t *testing.T) {
	srv, _ := serve(t, emulator.Options{})
	cfg := Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{"GSK_Elev_Skol"}, Years: []int{2024}}
	first, b, err := readStream(t, cfg, StreamGSI, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, b2, err := readStream(t, cfg, StreamGSI, b.Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := b2.(connectors.Unchanger); len(first) == 0 || !ok || !u.Unchanged() || len(second) != 0 {
		t.Errorf("second read: %d rows, unchanged %v; want none, unchanged", len(second), ok && u.Unchanged())
	}
}

func TestStreamsOfTheConfiguredReports(t *testing.T) {
	names := func(cfg Config) []string {
		src, err := New(cfg, emulatortest.Client())
		if err != nil {
			t.Fatal(err)
		}
		st, _ := src.Streams(context.Background())
		var out []string
		for _, s := range st {
			out = append(out, s.Name)
			if s.Schema == nil || s.Description == "" {
				t.Errorf("stream %+v", s)
			}
		}
		return out
	}
	if got, want := names(Config{}), []string{StreamNationalTests, StreamGradePoints, StreamGrades, StreamGSI, StreamAbsence, StreamSchoolContribution, StreamTransitions, StreamUnits}; !reflect.DeepEqual(got, want) {
		t.Errorf("default streams %v, want %v", got, want)
	}
	if got, want := names(Config{Reports: []string{"GSK_fravaer", "GSK_NP_Geo_Trinn5"}}), []string{StreamAbsence, StreamNationalTests, StreamSchoolContribution, StreamTransitions, StreamUnits}; !reflect.DeepEqual(got, want) {
		t.Errorf("streams %v, want %v", got, want)
	}
	// A code not known needs a kind; with one it reads like its kind.
	if got := names(Config{Reports: []string{"GSK_GSPoeng_v3"}, Kinds: map[string]string{"GSK_GSPoeng_v3": "grade_points"}}); !reflect.DeepEqual(got, []string{StreamGradePoints, StreamSchoolContribution, StreamTransitions, StreamUnits}) {
		t.Errorf("streams %v", got)
	}
	for _, cfg := range []Config{
		{Reports: []string{"GSK_Skolebidrag"}},
		{Reports: []string{"GSK_Skolebidrag"}, Kinds: map[string]string{"GSK_Skolebidrag": "school_contribution"}},
		{Reports: []string{"GSK_GSPoeng"}, Kinds: map[string]string{"GSK_Other": "grade_points"}},
	} {
		if _, err := New(cfg, emulatortest.Client()); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	// Years before 2022 are fine without the national tests.
	if _, err := New(Config{Reports: []string{"GSK_GSPoeng"}, Years: []int{2015}}, emulatortest.Client()); err != nil {
		t.Error(err)
	}
	src, _ := New(Config{Reports: []string{"GSK_GSPoeng"}}, emulatortest.Client())
	if _, err := src.Read(context.Background(), StreamGSI, nil); err == nil {
		t.Error("a stream of no configured report read")
	}
}

func TestTidAutumn(t *testing.T) {
	for _, c := range []struct {
		id   int64
		want int
	}{{202506, 2024}, {202510, 2025}, {202406, 2023}, {201410, 2014}} {
		if got, err := tidAutumn(c.id); err != nil || got != c.want {
			t.Errorf("tidAutumn(%d) = %d, %v; want %d", c.id, got, err, c.want)
		}
	}
	for _, id := range []int64{202512, 2025, 20242025} {
		if _, err := tidAutumn(id); err == nil {
			t.Errorf("tidAutumn(%d) accepted", id)
		}
	}
	// The real GSI year list: twelve years from 2025-26 back to 2014-15.
	fv := fixture(t, "udir-gsi/filterverdier_years.json")
	years, err := tidYears(fv, "GSK_Elev_Skol", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != 12 || years[0] != (year{201410, "2014-15", 2014}) || years[11] != (year{202510, "2025-26", 2025}) {
		t.Errorf("years %+v", years)
	}
	if _, err := tidYears(fv, "GSK_Elev_Skol", []int{2013}); err == nil || !strings.Contains(err.Error(), "does not offer the school year 2013-14") {
		t.Errorf("2013: %v", err)
	}
}

// fixtureRows maps a captured data response to rows as a read would.
func fixtureRows(t *testing.T, file string, kind Kind, y year) (map[trow]val, error) {
	t.Helper()
	spec := kinds[kind]
	r := &reading{src: &Source{}, hash: sha256.New(), b: array.NewRecordBuilder(memory.DefaultAllocator, spec.schema)}
	defer r.b.Release()
	err := r.tableData("https://example/data", fixture(t, file), spec, y, selection{}, map[string]Unit{"42": {ID: -542}})
	out := map[trow]val{}
	for _, rec := range r.recs {
		collect(t, rec, out)
		rec.Release()
	}
	return out, err
}

// TestFixturesToRows: the captured GSI and absence responses map to one
// row per unit and measure, with the numbers they hold.
func TestFixturesToRows(t *testing.T) {
	for _, c := range []struct {
		file    string
		kind    Kind
		year    year
		rows    int // units × measures
		checks  map[trow]val
		missing trow // a row that must not be there
	}{
		{"udir-gsi/data_202410.json", KindGSI, year{202410, "2024-25", 2024}, 373 * 4, map[trow]val{
			{2024, "county", "42", "", "pupils"}:                           {Value: 38967, Status: "ok", Name: "Agder", HasID: true},
			{2024, "county", "42", "", "pupils_special_education"}:         {Value: 3630, Status: "ok", Name: "Agder", HasID: true},
			{2024, "county", "42", "", "pupils_adapted_norwegian"}:         {Value: 2189, Status: "ok", Name: "Agder", HasID: true},
			{2024, "county", "42", "", "schools"}:                          {Value: 175, Status: "ok", Name: "Agder", HasID: true},
			{2024, "municipality", "4222", "", "pupils_special_education"}: {Value: math.NaN(), Status: "suppressed", Name: "Bykle"},
			{2024, "municipality", "4222", "", "pupils_adapted_norwegian"}: {Value: 14, Status: "ok", Name: "Bykle"},
			{2024, "municipality", "1151", "", "pupils_adapted_norwegian"}: {Value: math.NaN(), Status: "suppressed", Name: "Utsira"},
			{2024, "municipality", "1151", "", "pupils"}:                   {Value: 27, Status: "ok", Name: "Utsira"},
		}, trow{2024, "nation", "I", "", "pupils"}},
		{"udir-gsi/data_202510.json", KindGSI, year{202510, "2025-26", 2025}, 373 * 4, map[trow]val{
			{2025, "county", "42", "", "pupils"}:          {Value: 38101, Status: "ok", Name: "Agder", HasID: true},
			{2025, "municipality", "4222", "", "pupils"}:  {Value: 97, Status: "ok", Name: "Bykle"},
			{2025, "municipality", "4226", "", "schools"}: {Value: 2, Status: "ok", Name: "Hægebostad"},
		}, trow{2024, "county", "42", "", "pupils"}},
		{"udir-fravar/data.202506.anchor12.json", KindAbsence, year{202506, "2024-25", 2024}, 371 * 5, map[trow]val{
			{2024, "county", "42", "", "median_days"}:          {Value: 9, Status: "ok", Name: "Agder", HasID: true},
			{2024, "county", "42", "", "median_hours"}:         {Value: 8, Status: "ok", Name: "Agder", HasID: true},
			{2024, "county", "42", "", "mean_days"}:            {Value: 13.3, Status: "ok", Name: "Agder", HasID: true},
			{2024, "county", "42", "", "mean_hours"}:           {Value: 13.1, Status: "ok", Name: "Agder", HasID: true},
			{2024, "county", "42", "", "pupils"}:               {Value: 4277, Status: "ok", Name: "Agder", HasID: true},
			{2024, "municipality", "4222", "", "median_days"}:  {Value: 5.5, Status: "ok", Name: "Bykle"},
			{2024, "municipality", "5630", "", "mean_hours"}:   {Value: math.NaN(), Status: "suppressed", Name: "Berlevåg"},
			{2024, "municipality", "0301", "", "pupils"}:       {Value: 6893, Status: "ok", Name: "Oslo"},
			{2024, "county", "03", "", "pupils"}:               {Value: 6893, Status: "ok", Name: "Oslo"},
			{2024, "municipality", "2100", "", "median_hours"}: {Value: 5, Status: "ok", Name: "Svalbard"},
		}, trow{2023, "county", "42", "", "pupils"}},
		{"udir-fravar/data.202506.anchor13.json", KindAbsence, year{202506, "2024-25", 2024}, 2 * 5, map[trow]val{
			{2024, "county", "25", "", "pupils"}:            {Value: 65, Status: "ok", Name: "Utlandet"},
			{2024, "municipality", "2599", "", "mean_days"}: {Value: 11.5, Status: "ok", Name: "Utlandet, uspesifisert"},
		}, trow{}},
	} {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			rows, err := fixtureRows(t, c.file, c.kind, c.year)
			if err != nil {
				t.Fatal(err)
			}
			_, _, stars, empty := rawCounts(t, fixture(t, c.file))
			if len(rows) != c.rows {
				t.Errorf("%d rows, want %d", len(rows), c.rows)
			}
			suppressed, missing := 0, 0
			for _, v := range rows {
				switch v.Status {
				case "suppressed":
					suppressed++
				case "missing":
					missing++
				}
			}
			if suppressed != stars || missing != empty {
				t.Errorf("%d suppressed and %d missing rows; the file has %d \"*\" and %d \"\"", suppressed, missing, stars, empty)
			}
			for k, want := range c.checks {
				got, ok := rows[k]
				if !ok || got.Status != want.Status || got.Name != want.Name || got.HasID != want.HasID ||
					!(got.Value == want.Value || math.IsNaN(got.Value) && math.IsNaN(want.Value)) {
					t.Errorf("%+v: %+v, want %+v", k, got, want)
				}
			}
			if _, ok := rows[c.missing]; ok {
				t.Errorf("row %+v is there", c.missing)
			}
		})
	}
	// Read as another year, the header does not match.
	_, err := fixtureRows(t, "udir-gsi/data_202410.json", KindGSI, year{202510, "2025-26", 2025})
	var pe *PivotError
	if err == nil || !errors.As(err, new(*connectors.PayloadError)) || errors.As(err, &pe) && !strings.HasPrefix(pe.Field, "metadata.columns") {
		t.Errorf("2024-25 read as 2025-26: %v", err)
	}
	// Read as absence, GSI's measures are not known.
	if _, err := fixtureRows(t, "udir-gsi/data_202410.json", KindAbsence, year{202410, "2024-25", 2024}); err == nil || !strings.Contains(err.Error(), "unknown measure") {
		t.Errorf("GSI read as absence: %v", err)
	}
}

// orderedReports checks the order of DefaultReports is that of the kinds.
func TestDefaultReportsAreKnown(t *testing.T) {
	for _, code := range DefaultReports {
		if _, ok := KnownReports[code]; !ok {
			t.Errorf("default report %s is not known", code)
		}
	}
	var ks []string
	for _, k := range KnownReports {
		ks = append(ks, string(k))
	}
	slices.Sort(ks)
	if got := slices.Compact(ks); !reflect.DeepEqual(got, kindNames()) {
		t.Errorf("kinds of the known reports %v, want every kind %v", got, kindNames())
	}
}

// BenchmarkReadTables: a read of each stream by TidID, every year, down
// to the municipalities, from the in-process emulator over the test
// nation (scale 0.02).
func BenchmarkReadTables(b *testing.B) {
	em, err := emulator.New(context.Background(), emulator.Options{Data: nation})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(em)
	defer srv.Close()
	for _, c := range []struct{ report, stream string }{
		{"GSK_GSPoeng", StreamGradePoints}, {"GSK_GSKarakterer", StreamGrades}, {"GSK_Elev_Skol", StreamGSI}, {"GSK_fravaer", StreamAbsence},
	} {
		b.Run(c.stream, func(b *testing.B) {
			src, err := New(Config{BaseURL: srv.URL + emulator.UdirPrefix, Reports: []string{c.report}}, emulatortest.Client())
			if err != nil {
				b.Fatal(err)
			}
			rows := 0
			for b.Loop() {
				rows = countRows(b, src, c.stream)
			}
			b.ReportMetric(float64(rows), "rows/read")
		})
	}
}
