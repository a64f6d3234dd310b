package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration/history"
	"github.com/skolestat/skolestat/orchestration/lock"
)

func (a *app) runsCmd() *cobra.Command {
	var wh, format string
	var last int
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "Show the run history of a warehouse: runs, steps, rows and errors",
		Long: `Show the runs of a warehouse, newest last: id, pipeline, start, end, status, the rows each
step read and wrote, and the error of a failed run.

The history comes from the run journal beside the warehouse (W.history.jsonl), which records
every run as it happens, failed and killed runs too. Published runs also copy it into the
tables meta.runs and meta.steps, for SQL. Status is published, failed, running, or
interrupted (the process died before the run ended; nothing was published).`,
		Example: `  skolestat runs --warehouse demo/warehouse.duckdb
  skolestat runs --last 1 --format json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			held, holder, err := lock.Probe(warehouse.LockPath(wh))
			if err != nil {
				return err
			}
			runs, err := history.Read(history.Path(wh), func(r history.Run) bool { return held && holder.PID == r.PID })
			if err != nil {
				return err
			}
			if last > 0 && len(runs) > last {
				runs = runs[len(runs)-last:]
			}
			switch format {
			case "json":
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(runs)
			case "table":
				if len(runs) == 0 {
					fmt.Fprintf(a.stdout, "no runs recorded for %s\n", wh)
					return nil
				}
				return printRuns(a, runs)
			}
			return usageError{fmt.Errorf("--format %q: want table or json", format)}
		},
	}
	cmd.Flags().StringVar(&wh, "warehouse", defaultWarehouse(), "warehouse file")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	cmd.Flags().IntVar(&last, "last", 20, "show only the last N runs (0: all)")
	return cmd
}

func printRuns(a *app, runs []history.Run) error {
	const stamp = "2006-01-02 15:04:05"
	idW, pW := len("RUN"), len("PIPELINE")
	for _, r := range runs {
		idW, pW = max(idW, len(r.ID)), max(pW, len(r.Pipeline))
	}
	row := fmt.Sprintf("%%-%ds  %%-%ds  %%-19s  %%-19s  %%9s  %%-11s  %%s\n", idW, pW)
	fmt.Fprintf(a.stdout, row, "RUN", "PIPELINE", "STARTED", "ENDED", "DURATION", "STATUS", "ROWS OUT")
	for _, r := range runs {
		ended, dur := "-", "-"
		if !r.Ended.IsZero() {
			ended = r.Ended.Local().Format(stamp)
			dur = r.Ended.Sub(r.Started).Round(time.Millisecond).String()
		}
		fmt.Fprintf(a.stdout, row, r.ID, r.Pipeline, r.Started.Local().Format(stamp), ended, dur, r.Status, fmt.Sprint(r.RowsOut()))
		stepW := 0
		for _, s := range r.Steps {
			stepW = max(stepW, len(s.ID))
		}
		for _, s := range r.Steps {
			attempt := ""
			if s.Attempt > 1 {
				attempt = fmt.Sprintf(" (attempt %d)", s.Attempt)
			}
			fmt.Fprintf(a.stdout, "    %-*s  %-9s %12d in %12d out  %8s%s", stepW, s.ID, s.Status, s.RowsIn, s.RowsOut,
				s.Ended.Sub(s.Started).Round(time.Millisecond), attempt)
			if s.Error != "" {
				fmt.Fprintf(a.stdout, "  %s", firstLine(s.Error))
			}
			fmt.Fprintln(a.stdout)
		}
		if r.Error != "" && r.Status != "published" {
			fmt.Fprintf(a.stdout, "    error: %s\n", firstLine(r.Error))
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	const max = 240
	if len(line) > max {
		line = line[:max] + "…"
	}
	return line
}
