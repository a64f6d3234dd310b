package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	sqltext "github.com/skolestat/skolestat/sql"
)

// ServedSchema is the one schema a Served copy holds.
const ServedSchema = "mart"

// macrosScript defines the analysts' macros (sql/scripts).
const macrosScript = "mart_macros"

// pgCatalogScript defines the pg_compat schema's catalog views, which the
// PostgreSQL endpoint reads in place of some of DuckDB's pg_catalog.
const pgCatalogScript = "serve_pg_catalog"

// Served is a private, read-only copy of the published warehouse's mart
// schema, made for clients outside the project: skolestat serve's
// PostgreSQL endpoint and its web page.
//
// Why a copy: the published file also holds the restricted schema
// (pupil-level data), and DuckDB has no grants: a connection to the file
// can read every schema, through table names, catalog functions, ATTACH
// or a table function such as query(). The copy holds the mart schema and
// nothing else, so no SQL a client sends can reach pupil-level data. It is
// opened read-only, with external access off (no ATTACH, no reading or
// writing of files, no extensions) and the configuration locked, so a
// client cannot turn either back on. mart's views (mart.indicator, which
// reads meta.runs and core, say) are materialised as tables; mart's macros
// are recreated (they read mart only): the analysts' from
// sql/scripts/mart_macros.sql, any other from DuckDB's record of it.
//
// Besides mart the copy holds one schema of views over DuckDB's own
// catalog, pg_compat (sql/scripts/serve_pg_catalog.sql), for PostgreSQL
// clients' catalog queries.
//
// OpenServed builds the copy; Conn hands each client session its own
// connection (its own transactions and temporary objects); Close removes
// the copy. A Served keeps showing the state it was copied from: Serving
// notices a publish and makes a new one.
type Served struct {
	path, file string
	source     os.FileInfo
	runID      string
	took       time.Duration
	db         *sql.DB
}

// ServedOptions tune a Served copy.
type ServedOptions struct {
	// Threads for DuckDB; 0 means one per CPU.
	Threads int
	// MemoryLimit for DuckDB, e.g. "2GB"; "" keeps DuckDB's default.
	MemoryLimit string
}

// OpenServed copies the mart schema of the warehouse published at path into
// a new file in dir and opens that file read-only and sandboxed. The caller
// Closes the Served, which removes the file.
func OpenServed(ctx context.Context, path, dir string, opt ServedOptions) (*Served, error) {
	start := time.Now()
	f, err := os.CreateTemp(dir, "served-*.duckdb")
	if err != nil {
		return nil, fmt.Errorf("creating the served copy of %s: %w", path, err)
	}
	file := f.Name()
	f.Close()
	_ = os.Remove(file) // DuckDB creates the file; an empty one is not a database
	s := &Served{path: path, file: file}
	if err := s.copy(ctx, opt); err != nil {
		_ = removeFiles(file, file+".wal")
		return nil, err
	}
	dsn := fmt.Sprintf("%s?access_mode=read_only&enable_external_access=false&lock_configuration=true&threads=%d", file, threadsOr(opt.Threads))
	if opt.MemoryLimit != "" {
		dsn += "&memory_limit=" + opt.MemoryLimit
	}
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		_ = removeFiles(file, file+".wal")
		return nil, fmt.Errorf("opening the served copy %s: %w", file, err)
	}
	s.db = sql.OpenDB(connector)
	s.took = time.Since(start)
	return s, nil
}

// copy builds the copy: attach the published file read-only, copy mart's
// tables and views as tables with their comments, recreate its macros,
// detach, checkpoint.
func (s *Served) copy(ctx context.Context, opt ServedOptions) error {
	connector, err := duckdb.NewConnector(s.file, nil)
	if err != nil {
		return fmt.Errorf("creating the served copy %s: %w", s.file, err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("creating the served copy %s: %w", s.file, err)
	}
	defer conn.Close()
	exec := func(q string) error {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("copying %s to serve it: %s: %w", s.path, firstLine(q), err)
		}
		return nil
	}
	if opt.MemoryLimit != "" {
		if err := exec("SET memory_limit = " + QuoteString(opt.MemoryLimit)); err != nil {
			return err
		}
	}
	// Attach, then check the file is still the one found first: a publish
	// may rename a new state into place in between.
	for attempt := 0; ; attempt++ {
		before, err := statPublished(s.path)
		if err != nil {
			return err
		}
		if err := exec("ATTACH " + QuoteString(s.path) + " AS published (READ_ONLY)"); err != nil {
			return err
		}
		after, err := os.Stat(s.path)
		if err == nil && os.SameFile(before, after) {
			s.source = before
			break
		}
		if err := exec("DETACH published"); err != nil {
			return err
		}
		if attempt == 2 {
			return fmt.Errorf("copying %s to serve it: it was replaced three times while being attached", s.path)
		}
	}
	objects, err := servedObjects(ctx, conn)
	if err != nil {
		return fmt.Errorf("listing the mart schema of %s: %w", s.path, err)
	}
	if err := exec("CREATE SCHEMA " + ServedSchema); err != nil {
		return err
	}
	for _, o := range objects {
		if err := exec(o); err != nil {
			return err
		}
	}
	if err := conn.QueryRowContext(ctx, fmt.Sprintf(publishedRunQuery, "published.")).Scan(&s.runID); err != nil {
		s.runID = "" // a warehouse without meta.runs records no run
	}
	if err := exec("DETACH published"); err != nil {
		return err
	}
	compat, err := sqltext.Script(pgCatalogScript)
	if err != nil {
		return err
	}
	if err := exec(compat); err != nil {
		return err
	}
	return exec("CHECKPOINT")
}

// servedObjects returns the statements that recreate the attached
// warehouse's mart schema in the copy: its tables and views as tables,
// their comments, its macros.
func servedObjects(ctx context.Context, conn *sql.Conn) ([]string, error) {
	var stmts []string
	// A view is stored sorted by indicator and year when it has both
	// (mart.indicator, mart.indicator_preferred): the macros filter on
	// them, and sorted, DuckDB skips most of the table (asss_compare took
	// twice as long on the unsorted copy as on the view).
	rows, err := conn.QueryContext(ctx, `
		SELECT table_name, comment, '' FROM duckdb_tables() WHERE database_name = 'published' AND schema_name = 'mart'
		UNION ALL
		SELECT v.view_name, v.comment,
		       CASE WHEN count(*) FILTER (WHERE c.column_name IN ('indicator', 'year')) = 2 THEN ' ORDER BY indicator, year' ELSE '' END
		FROM duckdb_views() AS v JOIN duckdb_columns() AS c
		  ON c.database_name = v.database_name AND c.schema_name = v.schema_name AND c.table_name = v.view_name
		WHERE v.database_name = 'published' AND v.schema_name = 'mart' AND NOT v.internal
		GROUP BY v.view_name, v.comment
		ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name, order string
		var comment sql.NullString
		if err := rows.Scan(&name, &comment, &order); err != nil {
			rows.Close()
			return nil, err
		}
		t := ServedSchema + "." + QuoteIdent(name)
		stmts = append(stmts, "CREATE TABLE "+t+" AS FROM published."+t+order)
		if comment.String != "" {
			stmts = append(stmts, "COMMENT ON TABLE "+t+" IS "+QuoteString(comment.String))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = conn.QueryContext(ctx, `SELECT table_name, column_name, comment FROM duckdb_columns()
		WHERE database_name = 'published' AND schema_name = 'mart' AND comment IS NOT NULL AND comment <> '' ORDER BY ALL`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, column, comment string
		if err := rows.Scan(&table, &column, &comment); err != nil {
			rows.Close()
			return nil, err
		}
		stmts = append(stmts, fmt.Sprintf("COMMENT ON COLUMN %s.%s.%s IS %s", ServedSchema, QuoteIdent(table), QuoteIdent(column), QuoteString(comment)))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The analysts' macros come from their script: DuckDB's rendering of
	// a macro's definition does not always create the same macro again
	// (asss_compare's comes back as a correlated join DuckDB refuses).
	// Other macros are recreated from that rendering.
	script, err := sqltext.Script(macrosScript)
	if err != nil {
		return nil, err
	}
	rows, err = conn.QueryContext(ctx, `SELECT function_name, function_type, parameters, macro_definition FROM duckdb_functions()
		WHERE database_name = 'published' AND schema_name = 'mart' AND function_type IN ('macro', 'table_macro') ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	scripted := false
	for rows.Next() {
		var name, kind, def string
		var params []any
		if err := rows.Scan(&name, &kind, &params, &def); err != nil {
			return nil, err
		}
		if strings.Contains(script, "MACRO mart."+name+"(") {
			if !scripted {
				stmts = append(stmts, script)
				scripted = true
			}
			continue
		}
		names := make([]string, len(params))
		for i, p := range params {
			names[i] = QuoteIdent(fmt.Sprint(p))
		}
		as := "AS "
		if kind == "table_macro" {
			as = "AS TABLE "
		}
		stmts = append(stmts, fmt.Sprintf("CREATE MACRO %s.%s(%s) %s%s", ServedSchema, QuoteIdent(name), strings.Join(names, ", "), as, def))
	}
	return stmts, rows.Err()
}

func firstLine(q string) string {
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		q = q[:i]
	}
	if len(q) > 120 {
		q = q[:120] + "…"
	}
	return q
}

// Conn returns a connection of its own to the copy, for one client
// session; the caller Closes it.
func (s *Served) Conn(ctx context.Context) (*sql.Conn, error) {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to the served copy of %s: %w", s.path, err)
	}
	return c, nil
}

// RunID is the published run the copy was made from ("" when the warehouse
// records none).
func (s *Served) RunID() string { return s.runID }

// File is the copy's file.
func (s *Served) File() string { return s.file }

// Took is how long making the copy took.
func (s *Served) Took() time.Duration { return s.took }

// Stale reports whether a publish has replaced the file the copy was made
// from since.
func (s *Served) Stale() bool {
	fi, err := os.Stat(s.path)
	return err == nil && !os.SameFile(fi, s.source)
}

// Close closes the copy and removes its file. Connections from Conn must be
// closed first.
func (s *Served) Close() error {
	err := s.db.Close()
	return errors.Join(err, removeFiles(s.file, s.file+".wal"))
}
