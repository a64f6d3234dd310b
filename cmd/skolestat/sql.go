package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chzyer/readline"
	"github.com/spf13/cobra"

	"github.com/skolestat/skolestat/internal/warehouse"
)

// restrictedRE finds a reference to the restricted schema in a query. It is a
// guard against accidents, not a security boundary (that is the file's
// permissions): anyone who can read the warehouse file can open it with any
// DuckDB client.
var restrictedRE = regexp.MustCompile(`(?i)\brestricted\b`)

type sqlFlags struct {
	warehouse  string
	command    string
	format     string
	restricted bool
}

func (a *app) sqlCmd() *cobra.Command {
	var f sqlFlags
	cmd := &cobra.Command{
		Use:   "sql",
		Short: "Query the warehouse with SQL (interactive, or one query with -c)",
		Long: `Query the published warehouse with DuckDB SQL. Without -c it starts an interactive shell
(statements end with ;, .help lists the dot commands); with -c it runs the statements and
prints the last result as a table, CSV or JSON.

The warehouse is opened read-only: a nightly run can build and publish the next state while
you query, and you keep seeing the state you opened. Schemas: mart (start here), core, meta
(runs, steps, data quality), raw. The restricted schema holds pupil-level data and is refused
unless you pass --restricted (for data owners checking their input; never share its output).`,
		Example: `  skolestat sql --warehouse demo/warehouse.duckdb
  skolestat sql -c "SELECT school_year, gsp_display FROM mart.gsp WHERE unit_type = 'nation' AND subgroup = 'all'"
  skolestat sql -c "SELECT * FROM mart.gsp" --format csv > gsp.csv`,
		Args: exactArgs(0, "no arguments (give the query with -c)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(resultFormats, f.format) {
				return usageError{fmt.Errorf("--format %q: want %s", f.format, strings.Join(resultFormats, ", "))}
			}
			rd, err := warehouse.OpenReader(cmd.Context(), f.warehouse)
			if err != nil {
				return err
			}
			defer rd.Close()
			if f.command != "" {
				return a.runSQL(cmd.Context(), rd, f, f.command, a.stdout)
			}
			return a.shell(cmd.Context(), rd, f)
		},
	}
	cmd.Flags().StringVar(&f.warehouse, "warehouse", defaultWarehouse(), "warehouse file")
	cmd.Flags().StringVarP(&f.command, "command", "c", "", "run these statements and exit")
	cmd.Flags().StringVar(&f.format, "format", "table", "output format: table, csv or json")
	cmd.Flags().BoolVar(&f.restricted, "restricted", false, "allow queries on the restricted (pupil-level) schema")
	return cmd
}

// runSQL runs query and prints its result.
func (a *app) runSQL(ctx context.Context, rd *warehouse.Reader, f sqlFlags, query string, w io.Writer) error {
	if !f.restricted && restrictedRE.MatchString(query) {
		return usageError{errors.New("the restricted schema holds pupil-level data and is not served; data owners may pass --restricted")}
	}
	rows, err := rd.Query(ctx, query)
	if err != nil {
		return fmt.Errorf("query failed: %w", err)
	}
	defer rows.Close()
	_, err = writeRows(w, rows, f.format)
	return err
}

const shellHelp = `Statements end with ';' and may span lines. Dot commands:
  .tables             list the tables and views (mart, core, meta, raw)
  .schema TABLE       columns of a table, with their descriptions
  .format FORMAT      output format: table, csv or json
  .timer on|off       show how long each statement takes
  .help               this text
  .quit               leave (or Ctrl-D)`

// shell is the interactive SQL prompt.
func (a *app) shell(ctx context.Context, rd *warehouse.Reader, f sqlFlags) error {
	histFile := ""
	if home, err := os.UserHomeDir(); err == nil {
		histFile = filepath.Join(home, ".skolestat_history")
	}
	rl, err := readline.NewEx(&readline.Config{Prompt: "skolestat> ", HistoryFile: histFile, Stdout: a.stdout, Stderr: a.stderr})
	if err != nil {
		return fmt.Errorf("starting the SQL shell: %w", err)
	}
	defer rl.Close()
	fmt.Fprintf(a.stdout, "skolestat %s — %s (read-only). Type .help for help, .quit to leave.\n", version, rd.Path())
	timer := false
	var buf strings.Builder
	for {
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf.Reset()
			rl.SetPrompt("skolestat> ")
			continue
		}
		if err != nil { // io.EOF: Ctrl-D
			return nil
		}
		trimmed := strings.TrimSpace(line)
		if buf.Len() == 0 && strings.HasPrefix(trimmed, ".") {
			quit, err := a.dotCommand(ctx, rd, &f, &timer, trimmed)
			if err != nil {
				fmt.Fprintln(a.stderr, "error:", err)
			}
			if quit {
				return nil
			}
			continue
		}
		buf.WriteString(line)
		buf.WriteString("\n")
		if !strings.HasSuffix(trimmed, ";") {
			if trimmed != "" || buf.Len() > 1 {
				rl.SetPrompt("      ...> ")
			}
			continue
		}
		rl.SetPrompt("skolestat> ")
		start := time.Now()
		if err := a.runSQL(ctx, rd, f, buf.String(), a.stdout); err != nil {
			fmt.Fprintln(a.stderr, "error:", err)
		} else if timer {
			fmt.Fprintf(a.stdout, "time: %s\n", time.Since(start).Round(time.Microsecond))
		}
		buf.Reset()
	}
}

func (a *app) dotCommand(ctx context.Context, rd *warehouse.Reader, f *sqlFlags, timer *bool, cmd string) (bool, error) {
	fields := strings.Fields(cmd)
	switch fields[0] {
	case ".quit", ".exit":
		return true, nil
	case ".help":
		fmt.Fprintln(a.stdout, shellHelp)
	case ".tables":
		return false, a.runSQL(ctx, rd, sqlFlags{format: f.format}, `
SELECT schema_name AS schema, table_name AS name, 'table' AS type, estimated_size AS rows, comment AS description
FROM duckdb_tables() WHERE schema_name IN ('mart', 'core', 'meta', 'raw') AND database_name = current_database()
UNION ALL
SELECT schema_name, view_name, 'view', NULL, comment
FROM duckdb_views() WHERE schema_name IN ('mart', 'core', 'meta', 'raw') AND database_name = current_database() AND NOT internal
ORDER BY 1, 2`, a.stdout)
	case ".schema":
		if len(fields) != 2 {
			return false, errors.New("usage: .schema SCHEMA.TABLE")
		}
		schema, table, ok := strings.Cut(fields[1], ".")
		if !ok {
			schema, table = "mart", fields[1]
		}
		if schema == "restricted" && !f.restricted {
			return false, errors.New("the restricted schema is not served; data owners may pass --restricted")
		}
		rows, err := rd.Query(ctx, `SELECT column_name AS column, data_type AS type, comment AS description
FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND database_name = current_database() ORDER BY column_index`, schema, table)
		if err != nil {
			return false, err
		}
		defer rows.Close()
		n, err := writeRows(a.stdout, rows, f.format)
		if err == nil && n == 0 {
			err = fmt.Errorf("no table %s.%s", schema, table)
		}
		return false, err
	case ".format":
		if len(fields) != 2 || !slices.Contains(resultFormats, fields[1]) {
			return false, fmt.Errorf("usage: .format %s", strings.Join(resultFormats, "|"))
		}
		f.format = fields[1]
	case ".timer":
		if len(fields) != 2 || (fields[1] != "on" && fields[1] != "off") {
			return false, errors.New("usage: .timer on|off")
		}
		*timer = fields[1] == "on"
	default:
		return false, fmt.Errorf("unknown command %s (.help lists them)", fields[0])
	}
	return false, nil
}
