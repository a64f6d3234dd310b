package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/sim"
)

func (a *app) simCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "The simulated nation: generate microdata, serve emulated APIs",
		Long: `A simulated Norway for demos and tests: 15 counties, 357 municipalities (the ASSS members
with their real codes), about 2,800 schools, pupils with correlated backgrounds, and
outcomes from a known model whose true school effects are written beside the data.`,
	}
	cmd.AddCommand(a.simGenerateCmd(), a.simServeCmd())
	return cmd
}

func (a *app) simServeCmd() *cobra.Command {
	var opt emulator.Options
	var addr string
	cmd := &cobra.Command{
		Use:   "serve --data DIR [--addr ADDR]",
		Short: "Serve emulated public APIs (NSR, KLASS, udir national tests, SSB) over a simulated nation",
		Long: `Serve, on ADDR, emulations of the public APIs skolestat reads, over the simulated nation in
DIR (written by 'skolestat sim generate'), with the real APIs' paths, JSON and quirks:

  /nsr/v4/enheter?sidenummer=N&antallperside=M   NSR v4 unit list (real: https://data-nsr.udir.no)
  /nsr/v4/enheter/kommune/{nr}                   units of a municipality (no paging fields)
  /nsr/v4/enhet/{orgnr}                          unit detail
  /klass/classifications/131[/changes]           SSB KLASS municipalities (real: https://data.ssb.no/api/klass/v1)
  /klass/versions/{id}                           codes of a version
  /udir/rest/v1/Rapportside/{kode}               udir report API (real: https://statistikkportalen.udir.no/api/rapportering):
  /udir/rest/v1/Statistikk/GSK/NasjonaleProever/{1/1,4/1}/{filterVerdier,data}   national tests 8-9 and 5
  /ssb/tables/{id}/{metadata,data}               SSB PxWebApi v2, JSON-stat 2.0: 07459, 11980, 12255
                                                 (real: https://data.ssb.no/api/pxwebapi/v2)

Point a connector at it with base_url, e.g. http://127.0.0.1:8089/nsr. The udir and SSB
emulations come next (issue 3).

Faults, for testing clients: --fail-rate answers that share of requests with 500, 502 or
503, --rate-limit-rate with 429 and Retry-After, --truncate-rate cuts bodies short (the
connection closes half way), --latency delays every answer, --drift renames fields as a
changed API would, --rate-limits enforces the real request limits. Faults are drawn from --seed in arrival order. Stop with Ctrl-C.`,
		Example: `  skolestat sim serve --data demo/microdata
  skolestat sim serve --data demo/microdata --addr 127.0.0.1:9000 --fail-rate 0.05 --rate-limit-rate 0.05 --truncate-rate 0.02`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.Data == "" {
				return usageError{fmt.Errorf("--data is required (a folder written by 'skolestat sim generate')")}
			}
			if err := opt.Faults.Validate(); err != nil {
				return usageError{err}
			}
			ctx := cmd.Context()
			opt.Preload = true // a served emulator answers its first survey request sooner
			em, err := emulator.New(ctx, opt)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listening on %s: %w", addr, err)
			}
			srv := &http.Server{Handler: em, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(a.stdout, "serving the simulated nation of %s on http://%s\n", opt.Data, ln.Addr())
			for _, s := range emulator.Sources() {
				fmt.Fprintf(a.stdout, "  %-17s http://%s%s   (run with --set %s=http://%s%s)\n", s.Name, ln.Addr(), s.Path, s.Param, ln.Addr(), s.Path)
			}
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ln) }()
			select {
			case err := <-done:
				return fmt.Errorf("serving: %w", err)
			case <-ctx.Done():
			}
			shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutdown); err != nil {
				return fmt.Errorf("stopping the server: %w", err)
			}
			a.log.Info("emulator stopped", "faults", em.FaultCounts())
			return nil
		},
	}
	cmd.Flags().StringVar(&opt.Data, "data", "", "folder of a simulated nation (from 'skolestat sim generate')")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8089", "address to listen on")
	cmd.Flags().Float64Var(&opt.Faults.Failure, "fail-rate", 0, "share of requests answered 500, 502 or 503")
	cmd.Flags().Float64Var(&opt.Faults.RateLimit, "rate-limit-rate", 0, "share of requests answered 429 with Retry-After")
	cmd.Flags().DurationVar(&opt.Faults.RetryAfter, "retry-after", time.Second, "Retry-After sent with 429 (whole seconds)")
	cmd.Flags().Float64Var(&opt.Faults.Truncate, "truncate-rate", 0, "share of answers whose body is cut short")
	cmd.Flags().DurationVar(&opt.Faults.Latency, "latency", 0, "delay added to every answer")
	cmd.Flags().BoolVar(&opt.Drift, "drift", false, "rename fields, as an API that changed under us")
	cmd.Flags().BoolVar(&opt.RateLimits, "rate-limits", false, "enforce the real APIs' request limits (SSB: 30 a minute per client)")
	cmd.Flags().Uint64Var(&opt.Faults.Seed, "seed", 1, "seed of the fault draws")
	return cmd
}

func (a *app) simGenerateCmd() *cobra.Command {
	var opt sim.Options
	cmd := &cobra.Command{
		Use:   "generate --out DIR",
		Short: "Write the microdata files of a simulated nation, and the true school effects",
		Long: `Write the pupil-level files of shared/spec/microdata.md (schools, pupils, enrolments,
national_tests, grades, survey_responses) for school years 2014-2024 into DIR, with
DIR/truth/ holding the true school effects per school, level and window, DIR/truth/model.json
the parameters of the model that generated the outcomes, and DIR/nation.json the counties
and municipalities.

Scale 1.0 is Norway's size (about 60,000 pupils a cohort; about 95 million rows, three
quarters of them survey answers); use 0.01-0.1 for quick work. --survey-years limits the
survey answers to the last N school years. The same options give byte-identical files.
Files are renamed into place only when all are written: an interrupted run leaves DIR as
it was.`,
		Example: `  skolestat sim generate --out data/microdata --seed 1 --scale 0.1
  skolestat sim generate --out /tmp/nation --scale 1.0 --format csv --survey-years 1`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.Out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			if opt.Scale < 0.001 || opt.Scale > 5 {
				return usageError{fmt.Errorf("--scale %g: want a number from 0.001 to 5", opt.Scale)}
			}
			if opt.SurveyYears < -1 {
				return usageError{fmt.Errorf("--survey-years %d: want -1 (none), 0 (every year) or a number of years", opt.SurveyYears)}
			}
			sum, err := a.generate(cmd, opt)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote a simulated nation to %s in %s\n", opt.Out, sum.Duration.Round(time.Millisecond))
			for _, f := range sum.Files {
				fmt.Fprintf(a.stdout, "  %-40s %12d rows\n", f.Path, f.Rows)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opt.Out, "out", "", "folder to write into")
	cmd.Flags().Uint64Var(&opt.Seed, "seed", 1, "random seed")
	cmd.Flags().Float64Var(&opt.Scale, "scale", 0.1, "size relative to Norway (1.0 = about 60,000 pupils a cohort)")
	cmd.Flags().StringVar(&opt.Format, "format", "parquet", "file format: parquet or csv")
	cmd.Flags().IntVar(&opt.SurveyYears, "survey-years", 0, "survey answers for the last N school years only (0 every year, -1 none)")
	return cmd
}

// generate runs the simulator with progress reporting.
func (a *app) generate(cmd *cobra.Command, opt sim.Options) (sim.Summary, error) {
	var task interface {
		Add(int64)
		Done()
	}
	stage := ""
	var last int64
	opt.Progress = func(s string, done, total int64) {
		if s != stage {
			if task != nil {
				task.Done()
			}
			stage, last = s, 0
			task = a.progress.Start("simulating "+s, "steps", total)
		}
		task.Add(done - last)
		last = done
	}
	sum, err := sim.Generate(cmd.Context(), opt)
	if task != nil {
		task.Done()
	}
	return sum, err
}
