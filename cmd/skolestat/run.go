package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/connectors"
	_ "github.com/skolestat/skolestat/connectors/klass"        // registers the "klass" connector
	_ "github.com/skolestat/skolestat/connectors/microdata"    // registers the "microdata" connector
	_ "github.com/skolestat/skolestat/connectors/nsr"          // registers the "nsr" connector
	_ "github.com/skolestat/skolestat/connectors/peergroups"   // registers the "peergroups" connector
	_ "github.com/skolestat/skolestat/connectors/ssb"          // registers the "ssb" connector
	_ "github.com/skolestat/skolestat/connectors/udir"         // registers the "udir" connector
	_ "github.com/skolestat/skolestat/connectors/udir/eksport" // registers the "udir_survey" connector
	"github.com/skolestat/skolestat/orchestration"
	"github.com/skolestat/skolestat/pipelines"
)

// runFlags are the flags of every command that runs a pipeline.
type runFlags struct {
	warehouse   string
	set         []string
	wait        time.Duration
	threads     int
	memoryLimit string
	pauseAt     string
}

func (f *runFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.warehouse, "warehouse", defaultWarehouse(), "warehouse file (DuckDB); default $SKOLESTAT_WAREHOUSE or warehouse.duckdb")
	cmd.Flags().StringArrayVar(&f.set, "set", nil, "override a pipeline parameter, name=value (repeatable)")
	cmd.Flags().DurationVar(&f.wait, "wait", 0, "if another run holds the warehouse, wait this long for it (e.g. 10m) instead of exiting with code 3")
	cmd.Flags().IntVar(&f.threads, "threads", 0, "DuckDB threads (default: one per CPU)")
	cmd.Flags().StringVar(&f.memoryLimit, "memory-limit", "", "DuckDB memory limit, e.g. 4GB (default: DuckDB's, 80% of RAM)")
	cmd.Flags().StringVar(&f.pauseAt, "debug-pause-at", "", "stop at a named point of the run and wait to be killed (crash tests)")
	_ = cmd.Flags().MarkHidden("debug-pause-at")
}

func (f *runFlags) overrides() (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range f.set {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageError{fmt.Errorf("--set %q: want name=value", kv)}
		}
		out[k] = v
	}
	return out, nil
}

func (a *app) runCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run PIPELINE",
		Short: "Run a pipeline file; exit 0 only if it published",
		Long: `Run a pipeline file (or a built-in pipeline by name, e.g. "nightly") against a warehouse.

The run takes the warehouse's writer lock, builds the next state beside the published one,
runs the steps in dependency order (retrying as the file says), and publishes in one step
only when every step succeeded. Readers of the warehouse are never blocked and never see a
half-loaded state; a run that fails or is killed leaves the last published state as it was.

Exit codes: 0 published; 1 the run failed and nothing was published; 2 bad usage or bad
input (an invalid pipeline file, microdata that break the contract); 3 another run holds
the warehouse lock (use --wait to wait for it).`,
		Example: `  skolestat run pipelines/nightly.yaml --warehouse warehouse.duckdb \
      --set microdata=data/microdata --set export=export
  skolestat run nightly --set lenient=true --wait 30m`,
		Args: exactArgs(1, "one pipeline file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := a.runPipeline(cmd.Context(), args[0], f, "run "+args[0])
			if res != nil && err == nil {
				fmt.Fprintf(a.stdout, "run %s published %s in %s\n", res.RunID, f.warehouse, res.Ended.Sub(res.Started).Round(time.Millisecond))
				reportQuarantine(a.stdout, res)
			}
			return err
		},
	}
	f.register(cmd)
	return cmd
}

// newRunner builds a runner for the warehouse with the built-in connectors
// and transforms.
func (a *app) newRunner(f runFlags, command string) *orchestration.Runner {
	r := &orchestration.Runner{
		Warehouse:   f.warehouse,
		Connectors:  connectors.Default,
		Transforms:  orchestration.BuiltinTransforms(),
		Log:         a.log,
		Progress:    a.progress,
		LockWait:    f.wait,
		Version:     version,
		Command:     command,
		Threads:     f.threads,
		MemoryLimit: f.memoryLimit,
	}
	if f.pauseAt != "" {
		r.Pause = func(point string) {
			if point == f.pauseAt {
				fmt.Fprintf(a.stderr, "skolestat: paused at %s (pid %d)\n", point, os.Getpid())
				select {} // wait to be killed
			}
		}
	}
	return r
}

// loadPipeline reads and validates a pipeline for the runner.
func (a *app) loadPipeline(ref string, r *orchestration.Runner, overrides map[string]string) (*pipelines.Pipeline, error) {
	src, name, err := pipelines.Read(ref)
	if err != nil {
		return nil, usageError{err}
	}
	return pipelines.Load(name, src, overrides, r.Catalog())
}

// runPipeline loads and runs a pipeline.
func (a *app) runPipeline(ctx context.Context, ref string, f runFlags, command string) (*orchestration.Result, error) {
	overrides, err := f.overrides()
	if err != nil {
		return nil, err
	}
	r := a.newRunner(f, command)
	p, err := a.loadPipeline(ref, r, overrides)
	if err != nil {
		return nil, err
	}
	return r.Run(ctx, p)
}

// reportQuarantine says, for each extract step that set rows aside (lenient
// reading), how many rows went where, so that a lenient night never drops
// rows without a word.
func reportQuarantine(w io.Writer, res *orchestration.Result) {
	for _, s := range res.Steps {
		if s.Kind != "extract" || s.Status != "succeeded" || s.RowsIn <= s.RowsOut {
			continue
		}
		fmt.Fprintf(w, "step %s: %d of %d rows loaded, %d quarantined (see restricted.quarantine and meta.data_quality)\n",
			s.ID, s.RowsOut, s.RowsIn, s.RowsIn-s.RowsOut)
	}
}
