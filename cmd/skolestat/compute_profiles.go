package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
)

func (a *app) computeProfilesCmd() *cobra.Command {
	var micro, out, cb, first, sbiRule, progression, surveyRule string
	var surveyK, minPupils int
	var tolerance float64
	var lenient bool
	cmd := &cobra.Command{
		Use:   "profiles --microdata DIR --out DIR",
		Short: "The expert group's school profiles P1-P4 from microdata files, as Parquet",
		Long: `Compute the school profiles of the expert group (shared/spec/indicators.md §4, docs/methods.md)
from a microdata folder with survey answers: the school contribution (fixed model) of levels 5-7
and 8-10 over five consecutive windows from --first-window, the survey indices, then for each
school the profiles it meets:

  P1 stable high       effect above 0 in every window; latest window's results and the survey
                       indices above the national values; bullying share at most
                       --bullying-tolerance points above the national share
  P2 stable high, low SES  P1, and fewer pupils with a parent with higher education than nationally
  P3 steady progression    effect increasing over the windows; results, survey and bullying as P1
  P4 stable low        effect below 0 in every window; results and survey below, bullying above

and the counts per profile, and a representative school per profile (at least
--min-pupils-per-level pupils). Schools without a published effect in every window are not
profiled. Written to OUT/sbi_profile, OUT/sbi_profile_count and OUT/sbi_profile_representative.

A profile picks schools to learn from, not to rate: the school contribution indicators are not a
measure of quality, and the two levels must never be compared.`,
		Example: `  skolestat compute profiles --microdata demo/microdata --out profiles-out
  skolestat compute profiles --microdata data --out out --first-window 2014+2015 --sbi-rule interval`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if micro == "" || out == "" {
				return usageError{fmt.Errorf("--microdata and --out are both required")}
			}
			return a.computeWith(cmd.Context(), "profiles", []string{
				"microdata=" + micro, "out=" + out, "codebook=" + cb, "first_window=" + first,
				"sbi_rule=" + sbiRule, "progression_rule=" + progression, "survey_rule=" + surveyRule,
				"survey_k=" + strconv.Itoa(surveyK), "bullying_tolerance=" + strconv.FormatFloat(tolerance, 'g', -1, 64),
				"min_pupils_per_level=" + strconv.Itoa(minPupils), "lenient=" + strconv.FormatBool(lenient)})
		},
	}
	cmd.Flags().StringVar(&micro, "microdata", "", "folder with the microdata files, survey_responses included")
	cmd.Flags().StringVar(&out, "out", "", "folder to write the Parquet dataset to (replaced as a whole)")
	cmd.Flags().StringVar(&cb, "codebook", "elevundersokelsen", "survey codebook: a shipped one's name or a YAML file")
	cmd.Flags().StringVar(&first, "first-window", "2019+2020", "first of the five windows (the spec's default 2014+2015 needs data from 2011)")
	cmd.Flags().StringVar(&sbiRule, "sbi-rule", "point", "point (effect above/below 0) or interval (95 % interval above/below 0)")
	cmd.Flags().StringVar(&progression, "progression-rule", "monotone", "monotone (strictly increasing) or slope (positive OLS slope)")
	cmd.Flags().StringVar(&surveyRule, "survey-rule", "all", "all (every survey index) or k_of_n (--survey-k of them)")
	cmd.Flags().IntVar(&surveyK, "survey-k", 0, "with --survey-rule k_of_n: how many survey indices must pass")
	cmd.Flags().Float64Var(&tolerance, "bullying-tolerance", 2, "points the bullying share may exceed the national share (P1-P3)")
	cmd.Flags().IntVar(&minPupils, "min-pupils-per-level", 100, "pupils (two cohorts) a representative school needs")
	cmd.Flags().BoolVar(&lenient, "lenient", false, "quarantine bad rows instead of failing")
	return cmd
}

func (a *app) computeStabilityCmd() *cobra.Command {
	var micro, out string
	var lag, minSchools, minPupils int
	var lenient bool
	cmd := &cobra.Command{
		Use:   "stability --microdata DIR --out DIR",
		Short: "Stability of the school contribution indicators, as Parquet",
		Long: `Compute how stable the school contribution is (shared/spec/indicators.md §5, docs/methods.md),
from a microdata folder, for every level and window the data cover (fixed model):

  year_to_year  correlation over schools of the effects of window F and window F+--lag
  same_cohort   a school's 1-4 effect for the cohort finishing grade 4 in spring Y against its
                5-7 effect for the same cohort (grade 7 in spring Y+3); likewise 5-7 against 8-10
  reliability   mean(se²) / var(effect), the share of the school differences that is sampling
                noise, and 1 minus it (Kane and Staiger)

Written to OUT/sbi_stability.`,
		Example: `  skolestat compute stability --microdata demo/microdata --out stability-out
  skolestat compute stability --microdata data --out out --lag 2 --min-pupils 20`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if micro == "" || out == "" {
				return usageError{fmt.Errorf("--microdata and --out are both required")}
			}
			return a.computeWith(cmd.Context(), "stability", []string{
				"microdata=" + micro, "out=" + out, "lag=" + strconv.Itoa(lag), "min_schools=" + strconv.Itoa(minSchools),
				"min_pupils=" + strconv.Itoa(minPupils), "lenient=" + strconv.FormatBool(lenient)})
		},
	}
	cmd.Flags().StringVar(&micro, "microdata", "", "folder with the microdata files")
	cmd.Flags().StringVar(&out, "out", "", "folder to write the Parquet dataset to (replaced as a whole)")
	cmd.Flags().IntVar(&lag, "lag", 1, "year_to_year pairs window F with F+lag (1: consecutive windows, which share a cohort)")
	cmd.Flags().IntVar(&minSchools, "min-schools", 3, "fewer schools in common: no correlation")
	cmd.Flags().IntVar(&minPupils, "min-pupils", 0, "leave out school effects resting on fewer pupils")
	cmd.Flags().BoolVar(&lenient, "lenient", false, "quarantine bad rows instead of failing")
	return cmd
}
