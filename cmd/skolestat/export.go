package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/internal/export"
	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/orchestration/lock"
)

func (a *app) exportCmd() *cobra.Command {
	var wh, out string
	var tables []string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "export --out DIR",
		Short: "Export the mart as Parquet (Hive-partitioned by school year) for BI tools",
		Long: `Write the published warehouse's mart as a Parquet dataset:

  DIR/<table>/year=<school_year>/data_0.parquet   (tables without a school year: one file)
  DIR/_manifest.json                               (tables, row counts, checksums, run id; written last)

Column descriptions travel in each file's key-value metadata (skolestat:column:<name>).
The dataset is written to a staging folder beside DIR and renamed into place, so a reader
of DIR sees the previous export or the new one, never a mix. Only the mart schema is
exported; pupil-level data (restricted) never are.

DuckDB, pyarrow, Spark and Trino read DIR as a Hive-partitioned dataset, e.g. in DuckDB:
  SELECT * FROM read_parquet('DIR/gsp/*/*.parquet', hive_partitioning = true);`,
		Example: `  skolestat export --warehouse demo/warehouse.duckdb --out demo/export
  skolestat export --out /srv/bi/skolestat --tables gsp`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if out == "" {
				return usageError{fmt.Errorf("--out is required: the folder to export to")}
			}
			// The writer lock keeps a nightly run's export swap and this
			// one from crossing.
			lk, err := lock.Acquire(ctx, warehouse.LockPath(wh), wait, lock.Holder{Command: "export --out " + out})
			if err != nil {
				return err
			}
			defer lk.Release()
			rd, err := warehouse.OpenReader(ctx, wh)
			if err != nil {
				return err
			}
			defer rd.Close()
			runID, err := rd.PublishedRun(ctx)
			if err != nil {
				return err
			}
			dir, err := filepath.Abs(out)
			if err != nil {
				return err
			}
			if err := export.Recover(dir); err != nil {
				return err
			}
			id := "export-" + time.Now().UTC().Format("20060102T150405Z")
			staged, err := export.Stage(ctx, rd, dir, export.Options{Tables: tables, RunID: id})
			if err != nil {
				return err
			}
			if runID != "" {
				a.log.Info("exporting the state of run", "run", runID)
			}
			if err := staged.Commit(); err != nil {
				return err
			}
			printManifest(a, staged.Dir, staged.Manifest)
			return nil
		},
	}
	cmd.Flags().StringVar(&wh, "warehouse", defaultWarehouse(), "warehouse file")
	cmd.Flags().StringVar(&out, "out", "", "folder to export to (replaced as a whole)")
	cmd.Flags().StringSliceVar(&tables, "tables", nil, "mart tables to export (default: all)")
	cmd.Flags().DurationVar(&wait, "wait", 0, "if a run holds the warehouse, wait this long for it")
	return cmd
}

func printManifest(a *app, dir string, m export.Manifest) {
	var rows int64
	var files int
	for _, t := range m.Tables {
		rows += t.Rows
		files += len(t.Files)
	}
	fmt.Fprintf(a.stdout, "exported %d tables (%d rows in %d Parquet files) to %s\n", len(m.Tables), rows, files, dir)
	for _, t := range m.Tables {
		fmt.Fprintf(a.stdout, "  %-24s %10d rows  %3d files\n", t.Name, t.Rows, len(t.Files))
	}
}
