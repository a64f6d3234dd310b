package main

import "github.com/spf13/cobra"

// Commands of later releases: present so that --help shows the whole
// product, and so that scripts get a clear message and exit code 2.

func (a *app) serveCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "serve --pg ADDR --http ADDR",
		Short:   "Serve read-only SQL (PostgreSQL wire protocol) and the ASSS comparison page (not yet)",
		Example: `  skolestat serve --warehouse warehouse.duckdb --pg 127.0.0.1:5433 --http 127.0.0.1:8080`,
		RunE:    notYet("the SQL server and the ASSS web page are not built yet; meanwhile use 'skolestat sql', DuckDB's own tools on the warehouse file (read-only), or the Parquet export"),
	}
}
