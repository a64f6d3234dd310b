package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/codebook"
)

func (a *app) computeSurveyCmd() *cobra.Command {
	var responses, cb, group, out string
	var minRespondents int
	var lenient bool
	cmd := &cobra.Command{
		Use:   "survey --codebook C --responses DIR --out DIR",
		Short: "Survey indices from item-level answers by a codebook, as Parquet",
		Long: `Compute survey indices (shared/spec/indicators.md §3) from the survey_responses and schools
files of a microdata folder, by a codebook: each respondent's score per index (the mean of the
answered items, reverse-keyed ones turned round, when at least min_items are answered), then
the mean, SD and n by school, municipality, county and nation, by grade and gender, and the
bullying share (0-100). Cells with fewer respondents than the codebook's min_respondents are
suppressed. The result is a Parquet dataset in OUT: OUT/survey_indices/year=<school_year>/
data_0.parquet and OUT/_manifest.json.

--codebook is a shipped codebook (` + strings.Join(codebook.BuiltinNames(), ", ") + `) or the path of a
codebook YAML file (docs/codebooks.md). An answer off its item's scale, or an item code the
codebook does not know (in none of its indices, bullying items or other_items), is bad input:
the run stops naming the file, row and column (exit 2), or with --lenient sets it aside,
reports it and goes on; nothing is dropped silently. Cells that would reveal a suppressed cell
by subtraction are suppressed too (the suppression column says why).

It runs the built-in pipeline "survey" against a scratch warehouse that is removed afterwards.
Respondent scores are not written: they never leave the restricted schema.`,
		Example: `  skolestat compute survey --codebook elevundersokelsen --responses demo/microdata --out survey-out
  skolestat compute survey --codebook my-instrument.yaml --group pupils_5_10 --responses data --out out`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if responses == "" || out == "" || cb == "" {
				return usageError{fmt.Errorf("--codebook, --responses and --out are all required")}
			}
			return a.computeWith(cmd.Context(), "survey", []string{
				"microdata=" + responses, "out=" + out, "codebook=" + cb, "group=" + group,
				"min_respondents=" + strconv.Itoa(minRespondents), "lenient=" + strconv.FormatBool(lenient)})
		},
	}
	cmd.Flags().StringVar(&cb, "codebook", "", "a shipped codebook's name or a codebook YAML file")
	cmd.Flags().StringVar(&responses, "responses", "", "folder with the survey_responses and schools files")
	cmd.Flags().StringVar(&group, "group", "", "the codebook's respondent group (needed when it has several)")
	cmd.Flags().StringVar(&out, "out", "", "folder to write the Parquet dataset to (replaced as a whole)")
	cmd.Flags().IntVar(&minRespondents, "min-respondents", 0, "suppress cells with fewer respondents (0: the codebook's)")
	cmd.Flags().BoolVar(&lenient, "lenient", false, "set answers off the scale and unknown item codes aside instead of failing")
	return cmd
}
