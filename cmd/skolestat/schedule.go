package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/orchestration/lock"
)

func (a *app) scheduleCmd() *cobra.Command {
	var f runFlags
	var expr string
	var now bool
	cmd := &cobra.Command{
		Use:   "schedule PIPELINE --cron EXPR",
		Short: "Stay up and run a pipeline on a cron schedule",
		Long: `Stay in the foreground and run a pipeline whenever the cron expression says, until
stopped (Ctrl-C or SIGTERM; a run in progress is cancelled and publishes nothing).

EXPR is a standard five-field cron expression (minute hour day-of-month month day-of-week)
in local time, or a descriptor such as @daily, @hourly or "@every 6h". A run that fails is
logged and the schedule goes on; a run that finds the warehouse locked by another process
is skipped (or waits, with --wait). The pipeline file is read again before every run, so
edits take effect at the next run.`,
		Example: `  skolestat schedule pipelines/nightly.yaml --cron "30 2 * * *" --warehouse /srv/skolestat/warehouse.duckdb
  skolestat schedule nightly --cron @daily --now`,
		Args: exactArgs(1, "one pipeline file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if expr == "" {
				return usageError{errors.New("--cron is required")}
			}
			sched, err := cron.ParseStandard(expr)
			if err != nil {
				return usageError{fmt.Errorf("--cron %q: %w", expr, err)}
			}
			if _, err := f.overrides(); err != nil {
				return err
			}
			// Check the pipeline once up front, so a typo fails now and not at 02:30.
			if _, err := a.loadPipeline(args[0], a.newRunner(f, ""), mustOverrides(f)); err != nil {
				return err
			}
			next := sched.Next(time.Now())
			if now {
				next = time.Now()
			}
			for {
				a.log.Info("next run scheduled", "pipeline", args[0], "at", next.Format(time.RFC3339))
				select {
				case <-ctx.Done():
					a.log.Info("schedule stopped")
					return nil
				case <-time.After(time.Until(next)):
				}
				res, err := a.runPipeline(ctx, args[0], f, "schedule "+args[0])
				var held *lock.HeldError
				switch {
				case errors.As(err, &held):
					a.log.Warn("run skipped: the warehouse is locked", "holder", held.Holder.String())
				case err != nil:
					a.log.Error("scheduled run failed; nothing was published", "err", err)
				default:
					a.log.Info("scheduled run published", "run", res.RunID)
				}
				next = sched.Next(time.Now())
			}
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&expr, "cron", "", `when to run: a 5-field cron expression or @daily, @hourly, "@every 6h"`)
	cmd.Flags().BoolVar(&now, "now", false, "also run once immediately")
	return cmd
}

func mustOverrides(f runFlags) map[string]string {
	o, _ := f.overrides()
	return o
}
