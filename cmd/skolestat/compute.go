package main

import "github.com/spf13/cobra"

func (a *app) computeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compute",
		Short: "Run one indicator transform from files to Parquet (for analysts and researchers)",
		Long: `Run one indicator computation directly on microdata files and write Parquet, without a
warehouse. The nightly pipeline runs grunnskolepoeng, the survey indices (codebook
parameter: codebook), the school contribution indicators with the profiles and the
stability analyses inside the warehouse.`,
	}
	cmd.AddCommand(
		a.computeGSPCmd(),
		a.computeSurveyCmd(),
		a.computeSBICmd(),
		a.computeProfilesCmd(),
		a.computeStabilityCmd(),
	)
	return cmd
}
