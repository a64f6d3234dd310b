package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/pipelines"
)

func (a *app) computeGSPCmd() *cobra.Command {
	var micro, out string
	var minPupils int
	var lenient bool
	cmd := &cobra.Command{
		Use:   "gsp --microdata DIR --out DIR",
		Short: "Grunnskolepoeng from microdata files, as Parquet",
		Long: `Compute grunnskolepoeng (shared/spec/indicators.md §2) from the schools, pupils and grades
files of a microdata folder and write the aggregates (school, municipality, county, nation;
by gender and owner type; suppressed below --min-pupils) as a Parquet dataset in OUT:
OUT/gsp/year=<school_year>/data_0.parquet and OUT/_manifest.json.

It runs the built-in pipeline "gsp" against a scratch warehouse that is removed afterwards.
Pupil-level results are not written: they never leave the restricted schema.`,
		Example: `  skolestat compute gsp --microdata demo/microdata --out gsp-out
  duckdb -c "SELECT * FROM read_parquet('gsp-out/gsp/*/*.parquet', hive_partitioning=true) WHERE unit_type='nation'"`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if micro == "" || out == "" {
				return usageError{fmt.Errorf("--microdata and --out are both required")}
			}
			return a.computeWith(cmd.Context(), "gsp", []string{
				"microdata=" + micro, "out=" + out, "min_pupils=" + strconv.Itoa(minPupils), "lenient=" + strconv.FormatBool(lenient)})
		},
	}
	cmd.Flags().StringVar(&micro, "microdata", "", "folder with the microdata files (schools, pupils, grades)")
	cmd.Flags().StringVar(&out, "out", "", "folder to write the Parquet dataset to (replaced as a whole)")
	cmd.Flags().IntVar(&minPupils, "min-pupils", 10, "suppress cells with fewer pupils")
	cmd.Flags().BoolVar(&lenient, "lenient", false, "quarantine bad rows instead of failing")
	return cmd
}

// computeWith runs the built-in pipeline name with the parameters set
// against a scratch warehouse, removed afterwards, and prints the manifest
// of what it exported.
func (a *app) computeWith(ctx context.Context, name string, set []string) error {
	tmp, err := os.MkdirTemp("", "skolestat-compute-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	f := runFlags{warehouse: filepath.Join(tmp, "scratch.duckdb"), set: set}
	r := a.newRunner(f, "compute "+name)
	src, file, err := pipelines.ReadBuiltin(name)
	if err != nil {
		return err
	}
	overrides, err := f.overrides()
	if err != nil {
		return usageError{err}
	}
	p, err := pipelines.Load(file, src, overrides, r.Catalog())
	if err != nil {
		return err
	}
	res, err := r.Run(ctx, p)
	if err != nil {
		return err
	}
	for _, s := range res.Exports {
		printManifest(a, s.Dir, s.Manifest)
	}
	return nil
}
