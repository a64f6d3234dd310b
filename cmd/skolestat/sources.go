package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/httpclient"
	"github.com/skolestat/skolestat/pipelines"
)

func (a *app) sourcesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "The public sources: check that they answer",
	}
	var f runFlags
	var timeout time.Duration
	check := &cobra.Command{
		Use:   "check [PIPELINE]",
		Short: "Try each public source of a pipeline once and report",
		Long: `Build every extract step of PIPELINE (default: the built-in 'sources', i.e. NSR and SSB
KLASS at their real addresses) and ask each source that can check itself for one cheap
answer: does the service answer, and in the shape the connector expects? Nothing is
written anywhere. Exit 0 when every source answered well, 1 otherwise.

Use --set to point a source elsewhere, e.g. at the emulator ('skolestat sim serve').`,
		Example: `  skolestat sources check
  skolestat sources check --set nsr=http://127.0.0.1:8089/nsr --set klass=http://127.0.0.1:8089/klass
  skolestat sources check pipelines/nightly.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := "sources"
			if len(args) == 1 {
				ref = args[0]
			}
			overrides, err := f.overrides()
			if err != nil {
				return err
			}
			p, err := a.loadPipeline(ref, a.newRunner(f, "sources check"), overrides)
			if err != nil {
				return err
			}
			client := httpclient.New(httpclient.Options{Version: version, Logger: a.log, Attempts: 2, Timeout: timeout,
				Rates: connectors.Default.Rates()})
			return a.checkSources(cmd.Context(), p, client, timeout)
		},
	}
	check.Flags().StringArrayVar(&f.set, "set", nil, "override a pipeline parameter, name=value (repeatable)")
	check.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for each source")
	cmd.AddCommand(check)
	return cmd
}

// checkSources asks each checkable source of p for one answer and prints a
// table of the results.
func (a *app) checkSources(ctx context.Context, p *pipelines.Pipeline, client *httpclient.Client, timeout time.Duration) error {
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "STEP\tSOURCE\tRESULT\tTIME\tENDPOINT")
	failed, checked := 0, 0
	for _, s := range p.Order {
		if s.Kind != pipelines.Extract {
			continue
		}
		factory, ok := connectors.Default.Lookup(s.Uses)
		if !ok {
			return fmt.Errorf("step %s: no connector %q", s.ID, s.Uses)
		}
		src, err := factory.Build(s.Config, connectors.Env{HTTP: client, Logger: a.log})
		if err != nil {
			return fmt.Errorf("step %s: configuring %s: %w", s.ID, s.Uses, err)
		}
		ck, ok := src.(connectors.Checker)
		if !ok {
			continue // files and other sources without a service to ask
		}
		checked++
		cctx, cancel := context.WithTimeout(ctx, timeout)
		start := time.Now()
		endpoint, err := ck.Check(cctx)
		cancel()
		result := "ok"
		if err != nil {
			failed++
			result = "FAILED: " + err.Error()
			var pe *connectors.PayloadError
			if errors.As(err, &pe) {
				result = "FAILED (unexpected answer): " + err.Error()
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Uses, result, time.Since(start).Round(time.Millisecond), endpoint)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if checked == 0 {
		return usageError{fmt.Errorf("%s has no step reading a public source", p.Name)}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d sources did not answer well", failed, checked)
	}
	return nil
}
