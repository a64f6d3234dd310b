package orchestration

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/export"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration/lock"
	"github.com/skolestat/skolestat/pipelines"
	"github.com/skolestat/skolestat/transforms"
	"github.com/skolestat/skolestat/transforms/gsp"
)

// schoolsSchema is restricted.schools as a connector delivers it.
var schoolsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "school_orgnr", Type: arrow.BinaryTypes.String},
	{Name: "name", Type: arrow.BinaryTypes.String},
	{Name: "municipality_code", Type: arrow.BinaryTypes.String},
	{Name: "public", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "grade_from", Type: arrow.PrimitiveTypes.Int32},
	{Name: "grade_to", Type: arrow.PrimitiveTypes.Int32},
	{Name: "valid_year", Type: arrow.PrimitiveTypes.Int32},
	{Name: "source_file", Type: arrow.BinaryTypes.String},
	{Name: "source_row", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// fakeSource offers one restricted stream, schools, with n rows. Its first
// `fail` reads (counted in *reads) yield every row and then end with an
// error, as a file that breaks off would. With pupils set it offers a
// second stream, pupils, and it is the pupils reads that break off: the
// schools stream has landed, data-quality row and all, by then.
type fakeSource struct {
	n      int
	fail   int
	pupils bool
	reads  *int
}

type fakeConfig struct {
	Rows   int  `yaml:"rows"`
	Fail   int  `yaml:"fail"`
	Pupils bool `yaml:"pupils"`
}

var pupilsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "pupil_id", Type: arrow.BinaryTypes.String},
	{Name: "birth_year", Type: arrow.PrimitiveTypes.Int32},
	{Name: "gender", Type: arrow.BinaryTypes.String},
	{Name: "immigrant_background", Type: arrow.BinaryTypes.String},
	{Name: "parent_education", Type: arrow.BinaryTypes.String},
	{Name: "household_income", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "source_file", Type: arrow.BinaryTypes.String},
	{Name: "source_row", Type: arrow.PrimitiveTypes.Int64},
}, nil)

func (s fakeSource) Streams(context.Context) ([]connectors.Stream, error) {
	streams := []connectors.Stream{{Name: "schools", Schema: schoolsSchema, Restricted: true}}
	if s.pupils {
		streams = append(streams, connectors.Stream{Name: "pupils", Schema: pupilsSchema, Restricted: true})
	}
	return streams, nil
}

func (s fakeSource) Read(ctx context.Context, stream string, _ connectors.Checkpoint) (connectors.Batches, error) {
	if stream == "pupils" {
		return s.batches(pupilsSchema, true, func(b *array.RecordBuilder, i int) {
			b.Field(0).(*array.StringBuilder).Append("p" + string(rune('0'+i)))
			b.Field(1).(*array.Int32Builder).Append(2010)
			b.Field(2).(*array.StringBuilder).Append("G")
			b.Field(3).(*array.StringBuilder).Append("none")
			b.Field(4).(*array.StringBuilder).Append("unknown")
			b.Field(5).(*array.Int64Builder).AppendNull()
			b.Field(6).(*array.StringBuilder).Append("pupils.csv")
			b.Field(7).(*array.Int64Builder).Append(int64(i + 1))
		})
	}
	return s.batches(schoolsSchema, !s.pupils, func(b *array.RecordBuilder, i int) {
		b.Field(0).(*array.StringBuilder).Append("97400000" + string(rune('0'+i)))
		b.Field(1).(*array.StringBuilder).Append("Skole " + string(rune('A'+i)))
		b.Field(2).(*array.StringBuilder).Append("0301")
		b.Field(3).(*array.BooleanBuilder).Append(true)
		b.Field(4).(*array.Int32Builder).Append(1)
		b.Field(5).(*array.Int32Builder).Append(10)
		b.Field(6).(*array.Int32Builder).Append(2024)
		b.Field(7).(*array.StringBuilder).Append("schools.csv")
		b.Field(8).(*array.Int64Builder).Append(int64(i + 1))
	})
}

// batches yields n rows made by row; a stream that may break off counts
// the read and breaks off for the first `fail` of them.
func (s fakeSource) batches(schema *arrow.Schema, mayBreak bool, row func(b *array.RecordBuilder, i int)) (connectors.Batches, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < s.n; i++ {
		row(b, i)
	}
	rec := b.NewRecordBatch()
	rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	rec.Release()
	fb := &fakeBatches{RecordReader: rdr}
	if mayBreak && s.reads != nil {
		*s.reads++
		if *s.reads <= s.fail {
			fb.err = errors.New("connection reset")
		}
	}
	return fb, err
}

type fakeBatches struct {
	array.RecordReader
	err error // reported once every record has been read
}

func (f *fakeBatches) Err() error                        { return f.err }
func (f *fakeBatches) Checkpoint() connectors.Checkpoint { return nil }
func (f *fakeBatches) Close() error                      { f.Release(); return nil }

// flaky is a transform writing one national grunnskolepoeng row into
// core.gsp; it fails its first `fail` calls.
type flakyConfig struct {
	Fail  int     `yaml:"fail"`
	Value float64 `yaml:"value"`
}

func testRunner(t *testing.T, wh string, calls *int) *Runner {
	conns := connectors.NewRegistry()
	reads := 0
	conns.Register("fake", connectors.Factory{
		New: func() any { return &fakeConfig{Rows: 3} },
		Build: func(c any, _ connectors.Env) (connectors.Source, error) {
			cfg := c.(*fakeConfig)
			return fakeSource{n: cfg.Rows, fail: cfg.Fail, pupils: cfg.Pupils, reads: &reads}, nil
		},
	})
	trs := transforms.NewRegistry()
	trs.Register("flaky", transforms.Transform{
		New:     func() any { return &flakyConfig{} },
		Outputs: []transforms.Binding{{Name: "out", SQL: "core.gsp"}},
		Run: func(ctx context.Context, config any, in transforms.Inputs, out transforms.Sink) error {
			cfg := config.(*flakyConfig)
			*calls++
			failing := *calls <= cfg.Fail
			b := array.NewRecordBuilder(memory.DefaultAllocator, gsp.AggregateSchema)
			defer b.Release()
			for i, f := range gsp.AggregateSchema.Fields() {
				switch f.Name {
				case "school_year":
					b.Field(i).(*array.Int32Builder).Append(2024)
				case "n":
					b.Field(i).(*array.Int64Builder).Append(50)
				case "mean":
					if failing { // written, then the step fails: it must be rolled back
						b.Field(i).(*array.Float64Builder).Append(999)
					} else {
						b.Field(i).(*array.Float64Builder).Append(cfg.Value)
					}
				case "sd":
					b.Field(i).(*array.Float64Builder).Append(8)
				case "suppression":
					b.Field(i).AppendNull()
				default:
					m := map[string]string{"unit_type": "nation", "unit_code": "0", "subgroup_type": "all", "subgroup": "all", "status": "ok"}
					b.Field(i).(*array.StringBuilder).Append(m[f.Name])
				}
			}
			rec := b.NewRecordBatch()
			defer rec.Release()
			if err := out.Write(ctx, "out", rec); err != nil {
				return err
			}
			if failing {
				return errors.New("flaky failure")
			}
			return nil
		},
	})
	return &Runner{Warehouse: wh, Connectors: conns, Transforms: trs, Threads: 1}
}

const testPipeline = `name: test
params: {fail: 0, value: 42.5, export: out}
steps:
  - {id: extract, kind: extract, uses: fake, with: {rows: 3}}
  - {id: schools, kind: load, sql: [core_schools], needs: [extract]}
  - id: compute
    kind: transform
    uses: flaky
    needs: [schools]
    with: {fail: '${fail}', value: '${value}'}
    retry: {attempts: 2, backoff: 10ms}
  - {id: mart, kind: load, sql: [mart_gsp], needs: [compute]}
  - {id: export, kind: export, needs: [mart], with: {dir: '${export}'}}
`

func load(t *testing.T, r *Runner, set map[string]string) *pipelines.Pipeline {
	t.Helper()
	p, err := pipelines.Load("test.yaml", []byte(testPipeline), set, r.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func query(t *testing.T, wh, q string) string {
	t.Helper()
	rd, err := warehouse.OpenReader(context.Background(), wh)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var s string
	if err := rd.QueryRow(context.Background(), q, nil, &s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func TestRunRetriesPublishesAndRecords(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wh := filepath.Join(dir, "w.duckdb")
	exp := filepath.Join(dir, "export")
	calls := 0
	r := testRunner(t, wh, &calls)
	res, err := r.Run(ctx, load(t, r, map[string]string{"fail": "1", "export": exp}))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Published || calls != 2 {
		t.Fatalf("published=%v after %d transform calls; want published after 2 (one retry)", res.Published, calls)
	}
	if got := query(t, wh, "SELECT gsp::VARCHAR FROM mart.gsp WHERE unit_type = 'nation'"); got != "42.5" {
		t.Errorf("mart.gsp nation = %s", got)
	}
	if got := query(t, wh, "SELECT count(*)::VARCHAR || ' ' || max(mean)::VARCHAR FROM core.gsp"); got != "1 42.5" {
		t.Errorf("core.gsp after a failed attempt and a retry: %s rows, max mean; want 1 row of the retry (42.5), none of the failed attempt (999)", got)
	}
	if got := query(t, wh, "SELECT count(*)::VARCHAR FROM core.schools"); got != "3" {
		t.Errorf("core.schools has %s rows", got)
	}
	steps := query(t, wh, "SELECT string_agg(step_id || '#' || attempt || ':' || status, ' ' ORDER BY started_at, attempt) FROM meta.steps")
	if steps != "extract#1:succeeded schools#1:succeeded compute#1:failed compute#2:succeeded mart#1:succeeded export#1:succeeded" {
		t.Errorf("meta.steps = %s", steps)
	}
	if got := query(t, wh, "SELECT status || ' ' || (parameters->>'fail') FROM meta.runs"); got != "published 1" {
		t.Errorf("meta.runs = %s", got)
	}
	if got := query(t, wh, "SELECT string_agg(check_name || '=' || rows, ' ') FROM meta.data_quality WHERE table_name = 'restricted.schools'"); got != "loaded=3" {
		t.Errorf("data quality = %s", got)
	}
	m, err := export.ReadManifest(exp)
	if err != nil || m.RunID != res.RunID {
		t.Fatalf("export manifest %+v, %v: want run %s", m, err, res.RunID)
	}
}

func TestFailedRunPublishesNothingAndIsRecordedLater(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wh := filepath.Join(dir, "w.duckdb")
	exp := filepath.Join(dir, "export")
	calls := 0
	r := testRunner(t, wh, &calls)
	first, err := r.Run(ctx, load(t, r, map[string]string{"export": exp}))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(wh)

	calls = -100 // every call fails
	res, err := r.Run(ctx, load(t, r, map[string]string{"fail": "1000", "value": "10", "export": exp}))
	var sf *StepFailedError
	if !errors.As(err, &sf) || sf.Step.ID != "compute" || sf.Attempts != 2 || res.Published {
		t.Fatalf("second run: %v; want compute to fail after 2 attempts, nothing published", err)
	}
	after, _ := os.ReadFile(wh)
	if string(before) != string(after) {
		t.Error("a failed run changed the published warehouse file")
	}
	var statuses []string
	for _, s := range res.Steps {
		statuses = append(statuses, s.ID+":"+s.Status)
	}
	if got := strings.Join(statuses, " "); got != "extract:succeeded schools:succeeded compute:failed compute:failed mart:skipped export:skipped" {
		t.Errorf("steps = %s", got)
	}
	if m, _ := export.ReadManifest(exp); m.RunID != first.RunID {
		t.Errorf("export manifest names run %s; want the first run %s", m.RunID, first.RunID)
	}
	if left, _ := filepath.Glob(exp + ".*"); len(left) > 0 {
		t.Errorf("staged exports left: %v", left)
	}

	calls = 0
	third, err := r.Run(ctx, load(t, r, map[string]string{"export": exp}))
	if err != nil {
		t.Fatal(err)
	}
	got := query(t, wh, "SELECT string_agg(status, ',' ORDER BY started_at) FROM meta.runs")
	if got != "published,failed,published" {
		t.Errorf("meta.runs statuses = %s; the failed run should be carried in by the next publish", got)
	}
	if query(t, wh, "SELECT run_id FROM meta.runs WHERE status = 'published' ORDER BY started_at DESC LIMIT 1") != third.RunID {
		t.Error("latest published run is not the third")
	}
}

func TestRunRefusedWhileLocked(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "w.duckdb")
	lk, err := lock.Acquire(context.Background(), warehouse.LockPath(wh), 0, lock.Holder{Command: "other"})
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Release()
	calls := 0
	r := testRunner(t, wh, &calls)
	_, err = r.Run(context.Background(), load(t, r, map[string]string{"export": filepath.Join(dir, "e")}))
	var held *lock.HeldError
	if !errors.As(err, &held) || held.Holder.Command != "other" {
		t.Fatalf("got %v, want *lock.HeldError naming the holder", err)
	}
}

// runRetried runs one fake extract step configured by with, three
// attempts allowed, and wants it published.
func runRetried(t *testing.T, r *Runner, with string) {
	t.Helper()
	pipeline := "name: retry\nsteps:\n  - {id: extract, kind: extract, uses: fake, with: " + with + ", retry: {attempts: 3, backoff: 1ms}}\n"
	p, err := pipelines.Load("retry.yaml", []byte(pipeline), nil, r.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(context.Background(), p)
	if err != nil || !res.Published {
		t.Fatalf("run: %v (published %v); want published on the third attempt", err, res.Published)
	}
}

// TestRetriedExtractStartsClean: an extract attempt runs outside a
// transaction, so the one that broke off has already landed its rows when
// the retry starts. The retry must replace them, not add to them.
func TestRetriedExtractStartsClean(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "w.duckdb")
	calls := 0
	r := testRunner(t, wh, &calls)
	runRetried(t, r, "{rows: 4, fail: 2}")
	if got := query(t, wh, "SELECT count(*)::VARCHAR || ' rows, ' || count(DISTINCT school_orgnr)::VARCHAR || ' schools' FROM restricted.schools"); got != "4 rows, 4 schools" {
		t.Errorf("restricted.schools: %s; want 4 rows, 4 schools", got)
	}
	if got := query(t, wh, "SELECT string_agg(check_name || '=' || rows, ' ') FROM meta.data_quality"); got != "loaded=4" {
		t.Errorf("data quality = %s; want loaded=4 (the last attempt only)", got)
	}
	if got := query(t, wh, "SELECT string_agg(attempt || ':' || status, ' ' ORDER BY attempt) FROM meta.steps"); got != "1:failed 2:failed 3:succeeded" {
		t.Errorf("meta.steps = %s", got)
	}
}

// TestRetryClearsTheEarlierAttemptsDataQuality: when the second stream of
// a step breaks off, the first has landed and recorded its data-quality
// row; the retry lands it again and must leave one row per check, not one
// per attempt.
func TestRetryClearsTheEarlierAttemptsDataQuality(t *testing.T) {
	dir := t.TempDir()
	wh := filepath.Join(dir, "w.duckdb")
	calls := 0
	r := testRunner(t, wh, &calls)
	runRetried(t, r, "{rows: 3, fail: 2, pupils: true}")
	if got := query(t, wh, "SELECT string_agg(table_name || ':' || check_name || '=' || rows, ' ' ORDER BY table_name) FROM meta.data_quality"); got != "restricted.pupils:loaded=3 restricted.schools:loaded=3" {
		t.Errorf("data quality = %s; want one loaded row per table (the last attempt's)", got)
	}
	if got := query(t, wh, "SELECT (SELECT count(*) FROM restricted.schools)::VARCHAR || ' ' || (SELECT count(*) FROM restricted.pupils)::VARCHAR"); got != "3 3" {
		t.Errorf("schools and pupils rows: %s; want 3 3", got)
	}
}
