// Command skolestat loads Norwegian education statistics into a DuckDB
// warehouse every night, computes the indicators, and serves them as SQL and
// Parquet. Run `skolestat --help`, or `make demo` for the offline tour.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/skolestat/skolestat/internal/progress"
	"github.com/skolestat/skolestat/orchestration/lock"
	"github.com/skolestat/skolestat/pipelines"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

// Exit codes (shared/spec/product.md): scripts and schedulers depend on them.
const (
	exitOK       = 0
	exitFailed   = 1 // the run failed and nothing was published
	exitBadInput = 2 // bad usage or bad input
	exitLocked   = 3 // another run holds the warehouse lock
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := newApp(os.Stdout, os.Stderr)
	err := app.root.ExecuteContext(ctx)
	code := exitCode(err)
	if err != nil {
		fmt.Fprintf(os.Stderr, "skolestat: %v\n", err)
		if code == exitBadInput && isUsage(err) {
			fmt.Fprintln(os.Stderr, "Run 'skolestat --help' (or the command with --help) for usage.")
		}
	}
	stop()
	os.Exit(code)
}

// app holds what every command shares: output streams and global flags.
type app struct {
	root           *cobra.Command
	stdout, stderr io.Writer
	logFormat      string
	logLevel       string
	log            *slog.Logger
	progress       *progress.Reporter
	// extraLog, when set, receives a copy of every log record (demo writes
	// its log file through it).
	extraLog slog.Handler
}

func newApp(stdout, stderr io.Writer) *app {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "skolestat",
		Short: "Norwegian education statistics: nightly loads, indicators, SQL and Parquet",
		Long: `skolestat loads Norwegian education statistics (the Udir statistics bank, the national
school register NSR, Statistics Norway) and pupil-level microdata into a DuckDB warehouse,
computes the indicators (grunnskolepoeng; school contribution and survey indices in later
releases), and serves them as SQL and as a Parquet export for BI tools.

Start with 'skolestat demo': it builds a simulated nation and runs the whole pipeline offline.`,
		Example: `  skolestat demo --dir demo
  skolestat run pipelines/nightly.yaml --warehouse warehouse.duckdb --set microdata=data/microdata
  skolestat sql --warehouse warehouse.duckdb -c "SELECT * FROM mart.gsp WHERE unit_type = 'nation'"`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.setup()
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&a.logFormat, "log-format", "text", "log format on stderr: text or json")
	root.PersistentFlags().StringVar(&a.logLevel, "log-level", "info", "least severe log level shown: debug, info, warn or error")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.Version = version
	a.root = root
	root.AddCommand(
		a.demoCmd(), a.runCmd(), a.runsCmd(), a.simCmd(), a.computeCmd(), a.sqlCmd(),
		a.serveCmd(), a.exportCmd(), a.scheduleCmd(), a.benchCmd(), a.sourcesCmd(), a.reportCmd(),
	)
	return a
}

// setup builds the logger and the progress reporter from the global flags.
func (a *app) setup() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", a.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch a.logFormat {
	case "text":
		h = slog.NewTextHandler(a.stderr, opts)
	case "json":
		h = slog.NewJSONHandler(a.stderr, opts)
	default:
		return usageError{fmt.Errorf("--log-format %q: want text or json", a.logFormat)}
	}
	if a.extraLog != nil {
		h = slog.NewMultiHandler(h, a.extraLog)
	}
	a.log = slog.New(h)
	a.progress = progress.New(a.stderr, a.stderrIsTerminal() && a.logFormat == "text", a.log)
	return nil
}

func (a *app) stderrIsTerminal() bool {
	f, ok := a.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// usageError marks bad usage: exit code 2 and a hint to read --help.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u) || strings.HasPrefix(err.Error(), "unknown command") ||
		strings.Contains(err.Error(), "accepts ") || strings.HasPrefix(err.Error(), "required flag")
}

// exitCode maps an error to the exit codes of the spec.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var held *lock.HeldError
	if errors.As(err, &held) {
		return exitLocked
	}
	var invalid *pipelines.InvalidError
	var bad interface{ BadInput() bool }
	if isUsage(err) || errors.As(err, &invalid) || (errors.As(err, &bad) && bad.BadInput()) {
		return exitBadInput
	}
	return exitFailed
}

// exactArgs is cobra.ExactArgs reporting bad usage.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %s (got %d arguments)", cmd.CommandPath(), what, len(args))}
		}
		return nil
	}
}

// defaultWarehouse is the --warehouse default: $SKOLESTAT_WAREHOUSE, else
// warehouse.duckdb in the current folder.
func defaultWarehouse() string {
	if w := os.Getenv("SKOLESTAT_WAREHOUSE"); w != "" {
		return w
	}
	return "warehouse.duckdb"
}
