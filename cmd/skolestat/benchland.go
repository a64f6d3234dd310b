package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors/cell"
	"github.com/skolestat/skolestat/connectors/udir"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration/lock"
)

// landCopies is how many times the saved payloads are repeated on disk, so
// that a timing covers enough rows to be more than noise.
const landCopies = 20

// landSchema is what both contenders of the land benchmark produce from a
// udir pivot: one typed row per cell.
var landSchema = arrow.NewSchema([]arrow.Field{
	{Name: "file", Type: arrow.BinaryTypes.String},
	{Name: "row_id", Type: arrow.BinaryTypes.String},
	{Name: "unit_code", Type: arrow.BinaryTypes.String},
	{Name: "unit_name", Type: arrow.BinaryTypes.String},
	{Name: "measure", Type: arrow.BinaryTypes.String},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String},
}, nil)

// benchLand compares landing and typing saved payloads (the udir report
// API's data pivots that the pull fetched, kept in raw.responses) with
// DuckDB's read_json over the same files producing the same rows.
func (a *app) benchLand(ctx context.Context, dir string, repeat int) error {
	payloads := filepath.Join(dir, "land", "payloads")
	files, bytes, err := savePayloads(ctx, filepath.Join(dir, "pull", "sources.duckdb"), payloads)
	if err != nil {
		return err
	}
	wh := filepath.Join(dir, "land", "land.duckdb")
	type contender struct {
		label, note string
		run         func(b *warehouse.Build) error
		times       []time.Duration
		rows        int64
		digest      string
	}
	cs := []*contender{
		{label: "skolestat", note: "udir.ParsePivot, cell parsing, Arrow records loaded into DuckDB",
			run: func(b *warehouse.Build) error { return landOurs(ctx, b, files) }},
		{label: "DuckDB read_json", note: "read_json, unnest rows and cells, numbers and statuses typed in SQL",
			run: func(b *warehouse.Build) error { return landDuckDB(ctx, b, payloads) }},
	}
	for i := 0; i < repeat; i++ {
		for _, c := range cs {
			if err := removeWarehouse(wh); err != nil {
				return err
			}
			d, n, digest, err := timedBuild(ctx, wh, c.run)
			if err != nil {
				return fmt.Errorf("%s: %w", c.label, err)
			}
			c.times, c.rows, c.digest = append(c.times, d), n, digest
		}
	}
	if cs[0].digest != cs[1].digest {
		return fmt.Errorf("skolestat typed %s, DuckDB %s: not the same rows, the comparison is void", cs[0].digest, cs[1].digest)
	}
	best := func(c *contender) time.Duration { return slices.Min(c.times) }
	rate := func(c *contender) float64 { return float64(c.rows) / best(c).Seconds() }
	fmt.Fprintf(a.stdout, "\nland and type saved payloads (%d udir national-test pivots from the pull, %.1f MB, each %d times), best of %d, alternating\n",
		len(files)/landCopies, float64(bytes)/1e6/landCopies, landCopies, repeat)
	for _, c := range cs {
		fmt.Fprintf(a.stdout, "  %-18s %7.3f s  %9d rows  %5.2f M rows/s  (%s)\n", c.label, best(c).Seconds(), c.rows, rate(c)/1e6, c.note)
	}
	ratio := rate(cs[0]) / rate(cs[1])
	verdict := "meets"
	if ratio < 0.5 {
		verdict = "MISSES"
	}
	fmt.Fprintf(a.stdout, "  ratio to read_json  %5.2f   target >= 0.5 (%s)\n", ratio, verdict)
	return nil
}

// savePayloads writes the bodies of the udir national-test data responses
// of the pull's warehouse to dir (numbers only, and one shape, which the
// SQL side relies on), landCopies times each, and returns the files and their
// total size.
func savePayloads(ctx context.Context, wh, dir string) ([]string, int64, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	rd, err := warehouse.OpenReader(ctx, wh)
	if err != nil {
		return nil, 0, fmt.Errorf("opening the pull's warehouse (the land benchmark needs the pull's): %w", err)
	}
	defer rd.Close()
	rows, err := rd.Query(ctx, `SELECT body FROM raw.responses WHERE step_id = 'udir' AND url LIKE '%/NasjonaleProever/%/data?%' AND body IS NOT NULL AND octet_length(body) > 100 ORDER BY seq`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var files []string
	var total int64
	for i := 0; rows.Next(); i++ {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, 0, err
		}
		for c := 0; c < landCopies; c++ {
			f := filepath.Join(dir, fmt.Sprintf("pivot-%04d-%02d.json", i, c))
			if err := os.WriteFile(f, body, 0o644); err != nil {
				return nil, 0, err
			}
			files = append(files, f)
			total += int64(len(body))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("no udir data responses in %s", wh)
	}
	return files, total, nil
}

// timedBuild runs fn in a fresh warehouse build and returns its duration,
// the rows of table raw.land and a digest of them (counts by status and a
// sum of hashes of every row, value included: a sum of the values would
// differ in the last digits with the order of summation) to check that
// both contenders typed the same rows.
func timedBuild(ctx context.Context, wh string, fn func(b *warehouse.Build) error) (time.Duration, int64, string, error) {
	var d time.Duration
	var n int64
	var digest string
	err := inBuild(ctx, wh, func(b *warehouse.Build) error {
		start := time.Now()
		if err := fn(b); err != nil {
			return err
		}
		d = time.Since(start)
		return b.QueryRow(ctx, `SELECT count(*), concat_ws(' ', count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'suppressed'),
	    count(*) FILTER (WHERE status = 'missing'), sum(hash(file, row_id, unit_code, unit_name, measure, status, value) % 1000003))
	    FROM raw.land`, nil, &n, &digest)
	})
	return d, n, digest, err
}

// inBuild runs fn in a build of the warehouse wh that is never published.
func inBuild(ctx context.Context, wh string, fn func(b *warehouse.Build) error) error {
	lk, err := lock.Acquire(ctx, warehouse.LockPath(wh), 0, lock.Holder{Command: "bench"})
	if err != nil {
		return err
	}
	defer lk.Release()
	b, err := warehouse.Begin(ctx, wh, lk, warehouse.Options{})
	if err != nil {
		return err
	}
	defer b.Abort()
	return fn(b)
}

// landOurs reads every file, parses it as the udir connector does and
// loads the typed cells.
func landOurs(ctx context.Context, b *warehouse.Build, files []string) error {
	rb := array.NewRecordBuilder(memory.DefaultAllocator, landSchema)
	defer rb.Release()
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		p, err := udir.ParsePivot(body)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		name := filepath.Base(f)
		for c := range p.Cells() {
			rb.Field(0).(*array.StringBuilder).Append(name)
			rb.Field(1).(*array.StringBuilder).Append(c.RowID)
			rb.Field(2).(*array.StringBuilder).Append(c.RowKode)
			rb.Field(3).(*array.StringBuilder).Append(c.RowNavn)
			rb.Field(4).(*array.StringBuilder).Append(c.Path[len(c.Path)-1].Name)
			if c.Value.Status == cell.OK {
				rb.Field(5).(*array.Float64Builder).Append(c.Value.Number)
			} else {
				rb.Field(5).(*array.Float64Builder).AppendNull()
			}
			rb.Field(6).(*array.StringBuilder).Append(string(c.Value.Status))
		}
		if rb.Field(0).Len() >= 64*1024 {
			recs = append(recs, rb.NewRecordBatch())
		}
	}
	recs = append(recs, rb.NewRecordBatch())
	if _, err := b.Exec(ctx, `CREATE TABLE raw.land (file VARCHAR, row_id VARCHAR, unit_code VARCHAR, unit_name VARCHAR, measure VARCHAR, value DOUBLE, status VARCHAR)`); err != nil {
		return err
	}
	_, err := b.LoadRecords(ctx, "raw.land", landSchema, recs)
	return err
}

// landDuckDB does the same in DuckDB: read_json over the folder, one row
// per cell, the measure from the last header level (the national-test
// pivots have one cell in every level above it), numbers with a decimal
// comma and space or no-break-space thousands, "*" suppressed, "" missing.
func landDuckDB(ctx context.Context, b *warehouse.Build, dir string) error {
	q := fmt.Sprintf(`
CREATE TABLE raw.land AS
WITH f AS (
    SELECT parse_filename(filename) AS file, metadata, rows
    FROM read_json(%s, filename = true, maximum_object_size = 67108864)
),
r AS (
    SELECT file, metadata.columns[len(metadata.columns)] AS leaves, unnest(rows) AS row FROM f
),
c AS (
    SELECT file, row.id AS row_id, row.kode AS unit_code, trim(row.navn) AS unit_name, leaves,
           unnest(row.data) AS raw, generate_subscripts(row.data, 1) AS j
    FROM r
)
SELECT file, row_id, unit_code, unit_name, leaves[j].name AS measure,
       CASE WHEN trim(raw) IN ('', '-', '*') THEN NULL
            ELSE CAST(replace(replace(replace(replace(raw, ' ', ''), chr(160), ''), chr(8239), ''), ',', '.') AS DOUBLE) END AS value,
       CASE WHEN trim(raw) = '*' THEN 'suppressed' WHEN trim(raw) IN ('', '-') THEN 'missing' ELSE 'ok' END AS status
FROM c`, warehouse.QuoteString(filepath.Join(dir, "*.json")))
	_, err := b.Exec(ctx, q)
	return err
}
