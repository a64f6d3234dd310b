package main

import "github.com/spf13/cobra"

func (a *app) computeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compute",
		Short: "Run one indicator transform from files to Parquet (for analysts and researchers)",
		Long: `Run one indicator computation directly on microdata files and write Parquet, without a
warehouse. The nightly pipeline runs grunnskolepoeng, the survey indices (codebook
parameter: codebook) and the school contribution indicators inside the warehouse.`,
	}
	sub := func(use, short, later string) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, RunE: notYet(later)}
	}
	cmd.AddCommand(
		a.computeGSPCmd(),
		a.computeSurveyCmd(),
		a.computeSBICmd(),
		sub("profiles", "The expert group's school profiles P1-P4 (not yet)", "profiles come with issue 5"),
		sub("stability", "Stability of school contribution (not yet)", "stability analyses come with issue 5"),
	)
	return cmd
}
