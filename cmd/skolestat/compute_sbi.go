package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
)

func (a *app) computeSBICmd() *cobra.Command {
	var micro, out, model, windows string
	var minPupils int
	var lenient bool
	cmd := &cobra.Command{
		Use:   "sbi --microdata DIR --out DIR",
		Short: "School contribution indicators (skolebidragsindikatorer) from microdata files, as Parquet",
		Long: `Compute the school contribution indicators (shared/spec/indicators.md §1, docs/methods.md) from
the schools, pupils, enrolments, national_tests and grades files of a microdata folder: for
each level (1-4, 5-7, 8-10) and window (two consecutive cohorts, e.g. 2018+2019), what a school
adds beyond what its pupils bring (background and prior results), with a 95 % interval and a
classification; then municipalities (public schools only), counties and the nation. Schools and
units with fewer than --min-pupils pupils are suppressed, and so are those that would reveal
them by subtraction. The result is a Parquet dataset in OUT: OUT/sbi_school/data_0.parquet,
OUT/sbi_aggregate/data_0.parquet and OUT/_manifest.json.

Read with care: the indicators are not a measure of a school's quality but a supplement to
other information; small schools' estimates are uncertain (read the interval); the three levels
are different measures and must never be compared across levels. The files carry this caveat
in their metadata.

--model fixed (the default: school fixed effects, equal to R's lm with a school factor) or
mixed (a random intercept per school by REML, equal to lme4's lmer). It runs the built-in
pipeline "sbi" against a scratch warehouse that is removed afterwards; pupil-level data are
not written.`,
		Example: `  skolestat compute sbi --microdata demo/microdata --out sbi-out
  skolestat compute sbi --microdata data --out out --model mixed --windows 2017+2018,2018+2019
  duckdb -c "SELECT level, window_label, effect_z, lower, upper FROM 'sbi-out/sbi_aggregate/*.parquet' WHERE unit_type = 'nation'"`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if micro == "" || out == "" {
				return usageError{fmt.Errorf("--microdata and --out are both required")}
			}
			if model != "fixed" && model != "mixed" {
				return usageError{fmt.Errorf("--model %q: want fixed or mixed", model)}
			}
			return a.computeWith(cmd.Context(), "sbi", []string{
				"microdata=" + micro, "out=" + out, "model=" + model, "windows=" + windows,
				"min_pupils=" + strconv.Itoa(minPupils), "lenient=" + strconv.FormatBool(lenient)})
		},
	}
	cmd.Flags().StringVar(&micro, "microdata", "", "folder with the microdata files")
	cmd.Flags().StringVar(&out, "out", "", "folder to write the Parquet dataset to (replaced as a whole)")
	cmd.Flags().StringVar(&model, "model", "fixed", "fixed or mixed")
	cmd.Flags().StringVar(&windows, "windows", "", "windows to compute, comma-separated (e.g. 2018+2019); empty: every window the data cover")
	cmd.Flags().IntVar(&minPupils, "min-pupils", 10, "suppress schools and units with fewer pupils")
	cmd.Flags().BoolVar(&lenient, "lenient", false, "quarantine bad rows instead of failing")
	return cmd
}
