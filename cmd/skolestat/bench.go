package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/connectors/microdata"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration/lock"
	"github.com/skolestat/skolestat/pipelines"
	sqltext "github.com/skolestat/skolestat/sql"
)

// benchTables are the microdata tables the nightly pipeline loads.
var benchTables = []string{"schools", "pupils", "enrolments", "national_tests", "grades"}

func (a *app) benchCmd() *cobra.Command {
	var dir string
	var scale float64
	var repeat int
	var only []string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the product against its targets and against DuckDB in the same run",
		Long: `Measure what the targets in the issues are about, on this machine, now:

  demo   'skolestat demo' end to end at --scale, in a child process: wall time and peak
         memory (maximum resident set size). Target at scale 1.0: under 60 s on 2 cores.
  load   loading the simulated microdata Parquet files into a warehouse (the extract step
         of the 'microdata' pipeline: read, check every row, land, check keys and
         references), against DuckDB's own read_parquet of the same files into tables of the
         same kind, timed in the same run, alternating, best of --repeat. Two baselines:
         plain CREATE TABLE AS read_parquet (the target's), and read_parquet into our own
         table definitions with source_file and source_row (the same tables, none of the
         checks). Reported as rows/s and as ratios ours/DuckDB in throughput. Target >= 0.8
         against the first.
  pull   a national pull of the public sources (the built-in 'sources' pipeline: NSR, KLASS,
         udir's report and Eksport APIs, SSB) from the API emulator over the same nation on
         loopback, into a fresh warehouse, once the emulator has read the nation: wall time,
         requests and bytes (from raw.responses).
  land   landing and typing saved payloads: the udir national-test pivots the pull fetched,
         written to files (each 20 times), parsed and typed by skolestat (the udir
         connector's parser, Arrow records loaded into DuckDB) against DuckDB's read_json of
         the same files typed in SQL to the same rows, best of --repeat. Target >= 0.5.
         Runs the pull first.
  survey survey indices for the newest year of the simulated survey (about 120,000
         respondents × 60 items at scale 1.0) by the shipped Elevundersøkelsen codebook: the
         transform (reading the Parquet, scoring, aggregating class to nation by grade and
         gender) against the same aggregation written as one DuckDB query over the same file,
         best of --repeat, with the transform's peak Go heap. The run fails unless both
         publish the same cells. Target >= 1 (not slower than DuckDB).
  sbi    the school contribution estimators on a national window (level 5-7, 2018+2019:
         about 116,000 pupils, 2,200 schools at scale 1.0): building the sample, fixed and
         mixed, best of --repeat, with peak Go heap (targets: fixed < 0.5 s, mixed < 2 s,
         < 1 GB); the same design ten times over (cost should grow about 10×); and, when
         Rscript with lme4 is installed, R's lm with a school factor and lmer on the same data,
         with the time ratios (target: >= 20× faster than lmer) and the largest difference in
         school effects.
  macros the analysts' macros (asss_compare, trend, cost_vs_results, schools_of) on the demo's
         warehouse at --scale (built by the demo benchmark, or first when it did not run):
         median latency of 11 calls. Target: under 50 ms each.
  serve  skolestat serve on the same warehouse: the time to make the served copy of mart,
         and the macros with every value read from the published file, from the copy, and
         through the PostgreSQL endpoint with a driver (pgx), with the ratio endpoint / file.

Figures depend on the machine; the command line and the machine are printed with them.`,
		Example: `  skolestat bench --dir bench-out
  skolestat bench --only load --scale 0.2 --repeat 5
  skolestat bench --only land --scale 1.0`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			fmt.Fprintf(a.stdout, "skolestat bench --scale %g --repeat %d (%s)\n", scale, repeat, machine())
			micro := filepath.Join(dir, "demo", "microdata")
			if want(only, "demo") {
				if err := a.benchDemo(ctx, dir, scale); err != nil {
					return err
				}
			} else if _, err := a.demoMicrodata(cmd, micro, 1, scale, "parquet"); err != nil {
				// The load benchmark needs the nation the demo simulates.
				return err
			}
			if want(only, "load") {
				if err := a.benchLoad(ctx, dir, micro, repeat); err != nil {
					return err
				}
			}
			if want(only, "pull") || want(only, "land") {
				if err := a.benchPull(ctx, dir, micro); err != nil {
					return err
				}
			}
			if want(only, "land") {
				if err := a.benchLand(ctx, dir, repeat); err != nil {
					return err
				}
			}
			if want(only, "survey") {
				if err := a.benchSurvey(ctx, dir, micro, repeat); err != nil {
					return err
				}
			}
			if want(only, "sbi") {
				if err := a.benchSBI(ctx, dir, micro, repeat); err != nil {
					return err
				}
			}
			if want(only, "macros") {
				if err := a.benchMacros(ctx, dir, scale); err != nil {
					return err
				}
			}
			if want(only, "serve") {
				return a.benchServe(ctx, dir, scale)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "bench-out", "working folder (replaced as needed)")
	cmd.Flags().Float64Var(&scale, "scale", 1.0, "size of the simulated nation")
	cmd.Flags().IntVar(&repeat, "repeat", 3, "timed repetitions of the load comparison (best is reported)")
	cmd.Flags().StringSliceVar(&only, "only", nil, "run only these benchmarks: demo, load, pull, land, survey, sbi, macros, serve")
	return cmd
}

func want(only []string, name string) bool {
	if len(only) == 0 {
		return true
	}
	for _, o := range only {
		if o == name {
			return true
		}
	}
	return false
}

func machine() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%d CPUs, %s, %s/%s, host %s", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, host)
}

// benchDemo runs the demo in a child process from scratch.
func (a *app) benchDemo(ctx context.Context, dir string, scale float64) error {
	demoDir := filepath.Join(dir, "demo")
	if err := os.RemoveAll(demoDir); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"demo", "--dir", demoDir, "--scale", fmt.Sprint(scale), "--log-level", "warn"}
	c := exec.CommandContext(ctx, self, args...)
	c.Stdout, c.Stderr = nil, a.stderr
	start := time.Now()
	if err := c.Run(); err != nil {
		return fmt.Errorf("running the demo: %w", err)
	}
	wall := time.Since(start)
	rss := int64(0)
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024 // kilobytes on Linux
	}
	verdict := "meets"
	if scale == 1.0 && wall > 60*time.Second {
		verdict = "MISSES"
	}
	fmt.Fprintf(a.stdout, "\ndemo end to end (skolestat %s)\n", strings.Join(args, " "))
	fmt.Fprintf(a.stdout, "  wall time    %8.1f s   target at scale 1.0: < 60 s (%s)\n", wall.Seconds(), verdict)
	fmt.Fprintf(a.stdout, "  peak memory  %8.0f MB  (maximum resident set size of the process)\n", float64(rss)/1e6)
	return nil
}

// benchLoad compares the extract step with DuckDB's read_parquet.
func (a *app) benchLoad(ctx context.Context, dir, micro string, repeat int) error {
	loadDir := filepath.Join(dir, "load")
	if err := os.MkdirAll(loadDir, 0o755); err != nil {
		return err
	}
	type contender struct {
		label string
		note  string
		run   func() (time.Duration, int64, error)
		times []time.Duration
		rows  int64
	}
	cs := []*contender{
		{label: "skolestat extract step", note: "read, check every row, land, check keys and references",
			run: func() (time.Duration, int64, error) {
				return a.ourLoad(ctx, filepath.Join(loadDir, "skolestat.duckdb"), micro)
			}},
		{label: "DuckDB read_parquet", note: "CREATE TABLE AS SELECT * FROM read_parquet(file)",
			run: func() (time.Duration, int64, error) {
				return a.duckdbLoad(ctx, filepath.Join(loadDir, "duckdb.duckdb"), micro, false)
			}},
		{label: "DuckDB, same tables", note: "read_parquet into our table definitions, with source_file and source_row; no checks",
			run: func() (time.Duration, int64, error) {
				return a.duckdbLoad(ctx, filepath.Join(loadDir, "duckdb.duckdb"), micro, true)
			}},
	}
	for i := 0; i < repeat; i++ {
		for _, c := range cs {
			d, n, err := c.run()
			if err != nil {
				return fmt.Errorf("%s: %w", c.label, err)
			}
			c.times, c.rows = append(c.times, d), n
		}
	}
	best := func(ds []time.Duration) time.Duration { return slices.Min(ds) }
	rate := func(c *contender) float64 { return float64(c.rows) / best(c.times).Seconds() }
	fmt.Fprintf(a.stdout, "\nload microdata Parquet (%s from %s), best of %d, alternating\n", strings.Join(benchTables, ", "), micro, repeat)
	for _, c := range cs {
		fmt.Fprintf(a.stdout, "  %-24s %7.2f s  %10d rows  %5.2f M rows/s  (%s)\n", c.label, best(c.times).Seconds(), c.rows, rate(c)/1e6, c.note)
	}
	for _, c := range cs[1:] {
		if c.rows != cs[0].rows {
			return fmt.Errorf("%s loaded %d rows, skolestat %d: the comparison is void", c.label, c.rows, cs[0].rows)
		}
	}
	ratio := rate(cs[0]) / rate(cs[1])
	verdict := "meets"
	if ratio < 0.8 {
		verdict = "MISSES"
	}
	fmt.Fprintf(a.stdout, "  ratio to read_parquet      %5.2f   target >= 0.8 (%s)\n", ratio, verdict)
	fmt.Fprintf(a.stdout, "  ratio to the same tables   %5.2f\n", rate(cs[0])/rate(cs[2]))
	return nil
}

// ourLoad runs the built-in microdata pipeline into a fresh warehouse and
// returns the duration and rows of its extract step.
func (a *app) ourLoad(ctx context.Context, wh, micro string) (time.Duration, int64, error) {
	if err := removeWarehouse(wh); err != nil {
		return 0, 0, err
	}
	f := runFlags{warehouse: wh, set: []string{"microdata=" + micro}}
	r := a.newRunner(f, "bench")
	src, name, err := pipelines.ReadBuiltin("microdata")
	if err != nil {
		return 0, 0, err
	}
	overrides, _ := f.overrides()
	p, err := pipelines.Load(name, src, overrides, r.Catalog())
	if err != nil {
		return 0, 0, err
	}
	res, err := r.Run(ctx, p)
	if err != nil {
		return 0, 0, err
	}
	for _, s := range res.Steps {
		if s.ID == "microdata" && s.Status == "succeeded" {
			return s.Ended.Sub(s.Started), s.RowsOut, nil
		}
	}
	return 0, 0, fmt.Errorf("the microdata step did not succeed")
}

// duckdbLoad loads the same files with DuckDB's read_parquet into a fresh
// warehouse and returns the time and the rows loaded. Plain: one CREATE
// TABLE AS per file. sameTables: into the definitions of sql/tables (the
// tables the extract step lands in), with source_file and source_row, but
// none of the checks.
func (a *app) duckdbLoad(ctx context.Context, wh, micro string, sameTables bool) (time.Duration, int64, error) {
	if err := removeWarehouse(wh); err != nil {
		return 0, 0, err
	}
	lk, err := lock.Acquire(ctx, warehouse.LockPath(wh), 0, lock.Holder{Command: "bench"})
	if err != nil {
		return 0, 0, err
	}
	defer lk.Release()
	b, err := warehouse.Begin(ctx, wh, lk, warehouse.Options{})
	if err != nil {
		return 0, 0, err
	}
	defer b.Abort()
	var elapsed time.Duration
	var rows int64
	for _, t := range benchTables {
		name := t + ".parquet"
		file := warehouse.QuoteString(filepath.Join(micro, name))
		table := "restricted.bench_" + t
		var q string
		if sameTables {
			table = "restricted." + t
			ddl, err := sqltext.Table(table)
			if err != nil {
				return 0, 0, err
			}
			if _, err := b.Exec(ctx, ddl); err != nil {
				return 0, 0, fmt.Errorf("creating %s: %w", table, err)
			}
			tbl, _ := microdata.Lookup(t)
			var cols []string
			for _, c := range tbl.Columns {
				cols = append(cols, warehouse.QuoteIdent(c.Name))
			}
			list := strings.Join(cols, ", ")
			q = fmt.Sprintf("INSERT INTO %s (%s, source_file, source_row) SELECT %s, %s, file_row_number + 1 FROM read_parquet(%s, file_row_number = true)",
				table, list, list, warehouse.QuoteString(name), file)
		} else {
			q = fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM read_parquet(%s)", table, file)
		}
		start := time.Now()
		if _, err := b.Exec(ctx, q); err != nil {
			return 0, 0, fmt.Errorf("loading %s: %w", name, err)
		}
		elapsed += time.Since(start)
		var n int64
		if err := b.QueryRow(ctx, "SELECT count(*) FROM "+table, nil, &n); err != nil {
			return 0, 0, err
		}
		rows += n
	}
	return elapsed, rows, nil
}

// benchPull runs the sources pipeline against the emulator over micro.
func (a *app) benchPull(ctx context.Context, dir, micro string) error {
	apis, em, stop, err := a.startEmulator(ctx, micro)
	if err != nil {
		return err
	}
	defer stop()
	em.Preloaded() // the pull is timed, not the emulator reading the survey
	wh := filepath.Join(dir, "pull", "sources.duckdb")
	if err := os.MkdirAll(filepath.Dir(wh), 0o755); err != nil {
		return err
	}
	if err := removeWarehouse(wh); err != nil {
		return err
	}
	f := runFlags{warehouse: wh, set: emulator.Params(apis)}
	start := time.Now()
	if _, err := a.runPipeline(ctx, "sources", f, "bench"); err != nil {
		return err
	}
	wall := time.Since(start)
	rd, err := warehouse.OpenReader(ctx, wh)
	if err != nil {
		return err
	}
	defer rd.Close()
	var requests, bytes int64
	if err := rd.QueryRow(ctx, "SELECT count(*), coalesce(sum(bytes), 0) FROM raw.responses", nil, &requests, &bytes); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nnational pull of the public sources from the emulator (skolestat run sources, %s)\n", micro)
	fmt.Fprintf(a.stdout, "  wall time  %8.2f s   requests %d   bytes %d (%.1f MB)   %.0f requests/s\n",
		wall.Seconds(), requests, bytes, float64(bytes)/1e6, float64(requests)/wall.Seconds())
	return nil
}

func removeWarehouse(wh string) error {
	for _, p := range []string{wh, wh + ".wal", wh + ".history.jsonl"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// peakHeap runs fn and returns the peak Go heap in use sampled every
// `every` while it ran (after a GC first), with fn's error.
func peakHeap(every time.Duration, fn func() error) (uint64, error) {
	runtime.GC()
	done := make(chan struct{})
	peakc := make(chan uint64)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				peakc <- peak
				return
			case <-t.C:
			}
		}
	}()
	err := fn()
	close(done)
	return <-peakc, err
}
