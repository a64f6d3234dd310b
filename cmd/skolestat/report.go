package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/internal/warehouse"
	"github.com/skolestat/skolestat/report"
	"github.com/skolestat/skolestat/report/kvalitetsmelding"
)

func (a *app) reportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write reports from the warehouse (the quality report: kvalitetsmelding)",
	}
	cmd.AddCommand(a.kvalitetsmeldingCmd())
	return cmd
}

var municipalityRE = regexp.MustCompile(`^[0-9]{4}$`)

func (a *app) kvalitetsmeldingCmd() *cobra.Command {
	var wh, muni, out string
	var year int
	cmd := &cobra.Command{
		Use:   "kvalitetsmelding --municipality CODE --year Y --out DIR",
		Short: "The municipality's quality report (opplæringsloven § 13-3e) as one print-ready HTML file",
		Long: `Write the quality report of a municipality's primary schools (kvalitetsmelding / tilstandsrapport,
opplæringsloven § 13-3e) for school year Y as one self-contained HTML file, ready to print:
learning results (grunnskolepoeng, national tests, school contribution), completion, learning
environment (Elevundersøkelsen: well-being, bullying) and resources (KOSTRA), each over five
years against the ASSS average and the nation, and the municipality's schools. Charts and
tables; suppressed values shown as suppressed, never 0; the school contribution's caveats
where it appears; under every chart and table the SQL that produced its numbers.

The numbers come from the warehouse's analyst layer (docs/analyst-guide.md), read-only: the
report can be written while a nightly run goes on.`,
		Example: `  skolestat report kvalitetsmelding --warehouse demo/warehouse.duckdb --municipality 4601 --year 2023 --out reports`,
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !municipalityRE.MatchString(muni) {
				return usageError{fmt.Errorf("--municipality %q: want a four-digit municipality number (today's), e.g. 4601", muni)}
			}
			if year < 2000 || year > 2100 || out == "" {
				return usageError{fmt.Errorf("--year (the school year's autumn year, e.g. 2023) and --out are required")}
			}
			ctx := cmd.Context()
			rd, err := warehouse.OpenReader(ctx, wh)
			if err != nil {
				return err
			}
			defer rd.Close()
			run, err := rd.PublishedRun(ctx)
			if err != nil {
				return err
			}
			if run == "" {
				return fmt.Errorf("warehouse %s has no published run", wh)
			}
			doc, err := kvalitetsmelding.Build(ctx, rd, kvalitetsmelding.Options{
				Municipality: muni, Year: year, RunID: run, GeneratedAt: time.Now().In(oslo())})
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			path := filepath.Join(out, fmt.Sprintf("kvalitetsmelding-%s-%d.html", muni, year))
			tmp := path + ".tmp"
			f, err := os.Create(tmp)
			if err != nil {
				return err
			}
			if err := report.Render(f, doc); err != nil {
				f.Close()
				os.Remove(tmp)
				return fmt.Errorf("rendering the report: %w", err)
			}
			if err := f.Close(); err != nil {
				return err
			}
			if err := os.Rename(tmp, path); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %s (%s, school year %d-%02d, run %s)\n", path, doc.Subtitle, year, (year+1)%100, run)
			return nil
		},
	}
	cmd.Flags().StringVar(&wh, "warehouse", defaultWarehouse(), "warehouse file")
	cmd.Flags().StringVar(&muni, "municipality", "", "municipality number (today's), e.g. 4601")
	cmd.Flags().IntVar(&year, "year", 0, "school year by its autumn year, e.g. 2023 for 2023-24")
	cmd.Flags().StringVar(&out, "out", "", "folder to write the report to")
	return cmd
}

// oslo is Norway's time zone, in which reports print when they were made
// (UTC where the system has no zone database).
func oslo() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return time.UTC
	}
	return loc
}
