package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/progress"
	"github.com/skolestat/skolestat/internal/sim"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration"
	"github.com/skolestat/skolestat/transforms/sbi"
)

func (a *app) demoCmd() *cobra.Command {
	var dir, format string
	var scale float64
	var seed uint64
	cmd := &cobra.Command{
		Use:   "demo [--dir DIR]",
		Short: "The whole product offline: simulate a nation, run the nightly pipeline, export",
		Long: `Build a simulated nation, serve its emulated public APIs (NSR so far) on a loopback port,
run pipelines/nightly.yaml against the files and the emulator, and export the result, all
offline. When it finishes, DIR holds:

  DIR/microdata/         the simulated pupil-level files (and truth/, the true school effects)
  DIR/warehouse.duckdb   the DuckDB warehouse (open it with 'skolestat sql --warehouse ...')
  DIR/export/            the Parquet export for BI tools, with _manifest.json
  DIR/logs/              the run's log (JSON lines)
  DIR/report/            a summary of what was built

Running it again reuses the simulated files when seed and scale are unchanged.`,
		Example: `  skolestat demo
  skolestat demo --dir /tmp/demo --scale 1.0`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if scale < 0.001 || scale > 5 {
				return usageError{fmt.Errorf("--scale %g: want a number from 0.001 to 5", scale)}
			}
			return a.demo(cmd, dir, seed, scale, format)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "demo", "folder to build the demo in")
	cmd.Flags().Float64Var(&scale, "scale", 0.1, "size of the simulated nation relative to Norway (1.0 = about 60,000 pupils a cohort)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed of the simulated nation")
	cmd.Flags().StringVar(&format, "format", "parquet", "format of the simulated files: parquet or csv")
	return cmd
}

func (a *app) demo(cmd *cobra.Command, dir string, seed uint64, scale float64, format string) error {
	ctx := cmd.Context()
	start := time.Now()
	for _, sub := range []string{"logs", "report"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("creating demo folder: %w", err)
		}
	}
	logPath := filepath.Join(dir, "logs", "demo-"+start.UTC().Format("20060102T150405Z")+".jsonl")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("creating demo log: %w", err)
	}
	defer logFile.Close()
	a.log = slog.New(slog.NewMultiHandler(a.log.Handler(), slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelDebug})))
	a.progress = progress.New(a.stderr, a.stderrIsTerminal() && a.logFormat == "text", a.log)

	micro := filepath.Join(dir, "microdata")
	genStart := time.Now()
	reused, err := a.demoMicrodata(cmd, micro, seed, scale, format)
	if err != nil {
		return err
	}
	genTime := time.Since(genStart)

	apis, _, stopAPIs, err := a.startEmulator(ctx, micro)
	if err != nil {
		return err
	}
	defer stopAPIs()

	f := runFlags{warehouse: filepath.Join(dir, "warehouse.duckdb"), set: append([]string{
		"microdata=" + micro, "export=" + filepath.Join(dir, "export")}, emulator.Params(apis)...)}
	pipeline := "pipelines/nightly.yaml"
	if _, err := os.Stat(pipeline); err != nil {
		pipeline = "nightly" // the built-in copy, when run outside the repository
	}
	runStart := time.Now()
	res, err := a.runPipeline(ctx, pipeline, f, "demo")
	if err != nil {
		return err
	}
	runTime := time.Since(runStart)

	var b strings.Builder
	if err := demoSummary(ctx, &b, dir, f.warehouse, logPath, res, reused, genTime, runTime, time.Since(start)); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report", "summary.txt"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing demo summary: %w", err)
	}
	_, err = io.WriteString(a.stdout, b.String())
	return err
}

// startEmulator serves the emulated public APIs over the simulated nation
// in micro on a free loopback port, and returns their base address and a
// function that stops them.
func (a *app) startEmulator(ctx context.Context, micro string) (string, *emulator.Server, func(), error) {
	// Preload: the survey is read while the run reads the microdata.
	em, err := emulator.New(ctx, emulator.Options{Data: micro, Preload: true})
	if err != nil {
		return "", nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, fmt.Errorf("starting the API emulator: %w", err)
	}
	srv := &http.Server{Handler: em, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	a.log.Info("serving the emulated public APIs", "addr", base)
	return base, em, func() { srv.Close() }, nil
}

// demoMicrodata generates the simulated nation unless DIR already holds the
// same one (same seed, scale and format).
func (a *app) demoMicrodata(cmd *cobra.Command, micro string, seed uint64, scale float64, format string) (bool, error) {
	stamp := filepath.Join(micro, ".demo-params")
	want := fmt.Sprintf("seed=%d scale=%g format=%s version=%s\n", seed, scale, format, version)
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		a.log.Info("reusing the simulated nation", "dir", micro)
		return true, nil
	}
	_ = os.Remove(stamp)
	if _, err := a.generate(cmd, sim.Options{Out: micro, Seed: seed, Scale: scale, Format: format}); err != nil {
		return false, fmt.Errorf("simulating the nation: %w", err)
	}
	return false, os.WriteFile(stamp, []byte(want), 0o644)
}

func demoSummary(ctx context.Context, w io.Writer, dir, wh, logPath string, res *orchestration.Result, reused bool,
	gen, run, total time.Duration) error {
	rd, err := warehouse.OpenReader(ctx, wh)
	if err != nil {
		return err
	}
	defer rd.Close()
	rows, err := rd.Query(ctx, `SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name IN ('restricted', 'core', 'mart', 'meta') ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("listing tables: %w", err)
	}
	defer rows.Close()
	fmt.Fprintf(w, "\nskolestat demo: done in %s", total.Round(100*time.Millisecond))
	how := "simulated"
	if reused {
		how = "reused"
	}
	fmt.Fprintf(w, " (nation %s in %s, pipeline run %s in %s)\n\n", how, gen.Round(100*time.Millisecond), res.RunID, run.Round(100*time.Millisecond))
	fmt.Fprintln(w, "Tables:")
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return err
		}
		note := ""
		if strings.HasPrefix(name, "restricted.") {
			note = "  (pupil-level; never exported)"
		}
		fmt.Fprintf(w, "  %-28s %12d rows%s\n", name, n, note)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var nat, natN string
	err = rd.QueryRow(ctx, `SELECT coalesce(string_agg(gsp_display::VARCHAR, ' ' ORDER BY school_year), ''),
		coalesce(string_agg(school_year_label, ' ' ORDER BY school_year), '')
		FROM mart.gsp WHERE unit_type = 'nation' AND subgroup = 'all'`, nil, &nat, &natN)
	if err == nil && nat != "" {
		fmt.Fprintf(w, "\nNational grunnskolepoeng by school year:\n  %s\n  %s\n", natN, nat)
	}
	var triv, trivN string
	err = rd.QueryRow(ctx, `SELECT coalesce(string_agg(mean_display::VARCHAR, ' ' ORDER BY school_year), ''),
		coalesce(string_agg(school_year_label, ' ' ORDER BY school_year), '')
		FROM mart.survey_indices WHERE unit_type = 'nation' AND grade = 'all' AND gender = 'all' AND index_code = 'EUIndeks_1379'`, nil, &triv, &trivN)
	if err == nil && triv != "" {
		fmt.Fprintf(w, "\nNational Trivsel (Elevundersøkelsen's well-being index, 1-5) by school year:\n  %s\n  %s\n", trivN, triv)
	}
	var win, cls string
	err = rd.QueryRow(ctx, `SELECT window_label, count(*) FILTER (WHERE classification = 'above') || ' above, ' ||
		count(*) FILTER (WHERE classification = 'below') || ' below, ' || count(*) FILTER (WHERE classification = 'not_different') ||
		' not different from the national average, ' || count(*) FILTER (WHERE status = 'suppressed') || ' suppressed'
		FROM mart.sbi_school WHERE level = '5-7' AND model = 'fixed'
		  AND window_label = (SELECT max(window_label) FROM mart.sbi_school WHERE level = '5-7') GROUP BY window_label`, nil, &win, &cls)
	if err == nil {
		fmt.Fprintf(w, "\nSchool contribution (skolebidrag), level 5-7, window %s: %s schools.\n", win, cls)
		fmt.Fprintf(w, "  %s\n", sbi.Caveat)
	}
	exportDir := filepath.Join(dir, "export")
	fmt.Fprintf(w, `
Where things are:
  warehouse   %s
  export      %s  (Parquet, Hive-partitioned; _manifest.json lists every file)
  microdata   %s
  log         %s

Try:
  skolestat sql --warehouse %s -c "SELECT unit_code, gsp_display, n FROM mart.gsp WHERE unit_type = 'municipality' AND subgroup = 'all' AND school_year = 2024 ORDER BY gsp DESC LIMIT 10"
  skolestat sql --warehouse %s -c "SELECT year, value, published_codes FROM mart.municipality_figures WHERE measure = 'population_6_15' AND municipality_code = '3101' ORDER BY year"
      (one series in today's codes across the 2024 reform: 3001 until 2023, 3101 since)
  skolestat sql --warehouse %s -c "SELECT unit_code, computed, published, difference FROM mart.survey_vs_published WHERE unit_type = 'municipality' AND school_year = 2024 AND index_code = 'EUIndeks_1379' AND grade = '7' AND gender = 'all' ORDER BY abs(difference) DESC NULLS LAST LIMIT 10"
      (survey indices computed from the answers beside the ones udir publishes)
  skolestat sql --warehouse %s -c "SELECT unit_code, n_pupils, effect_display, classification, round(lower, 2) AS lower, round(upper, 2) AS upper FROM mart.sbi_aggregate WHERE unit_type = 'municipality' AND level = '8-10' AND status = 'ok' ORDER BY window_label DESC, effect DESC LIMIT 10"
      (school contribution of municipalities; read the interval, and never compare levels)
  skolestat sql --warehouse %s          (interactive; .tables lists the tables)
  skolestat serve --warehouse %s
      (the mart for BI tools over the PostgreSQL protocol on 127.0.0.1:5433; the ASSS page on http://127.0.0.1:8080/asss)
  skolestat runs --warehouse %s
`, wh, exportDir, filepath.Join(dir, "microdata"), logPath, wh, wh, wh, wh, wh, wh, wh)
	return nil
}
