package warehouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// publishServable publishes a warehouse with a mart table, a mart view over
// core and meta, a table macro, and pupil-level rows in restricted.
func publishServable(t *testing.T, path string, value int) {
	t.Helper()
	ctx := context.Background()
	b, lk := begin(t, path)
	defer lk.Release()
	for _, q := range []string{
		`CREATE OR REPLACE TABLE restricted.secret AS SELECT 'pupil-17' AS pupil_id, 3 AS grade`,
		`CREATE OR REPLACE TABLE core.names AS SELECT * FROM (VALUES ('0301', 'Oslo'), ('4601', 'Bergen')) v(code, name)`,
		`CREATE OR REPLACE TABLE mart.figures AS SELECT * FROM (VALUES ('0301', 2023, ` + strconv.Itoa(value) + `.5), ('4601', 2023, 40.0)) v(code, year, value)`,
		`COMMENT ON TABLE mart.figures IS 'Figures by municipality.'`,
		`COMMENT ON COLUMN mart.figures.value IS 'The value, in points.'`,
		`CREATE OR REPLACE VIEW mart.named AS SELECT f.*, n.name, (SELECT count(*) FROM meta.runs) AS runs FROM mart.figures f JOIN core.names n USING (code)`,
		`CREATE OR REPLACE MACRO mart.above(threshold) AS TABLE SELECT code FROM mart.named WHERE value > threshold ORDER BY code`,
	} {
		if _, err := b.Exec(ctx, q); err != nil {
			b.Abort()
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := b.Publish(ctx); err != nil {
		t.Fatal(err)
	}
}

func servedQuery(t *testing.T, s *Served, q string) (string, error) {
	t.Helper()
	ctx := context.Background()
	c, err := s.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rows, err := c.QueryContext(ctx, q)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		var parts []string
		for _, v := range vals {
			parts = append(parts, fmt.Sprint(v))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return strings.Join(out, " "), rows.Err()
}

func TestServedHoldsMartAndNothingElse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	publishServable(t, path, 42)
	// A file the sandbox must not read, although it is there.
	probe := filepath.Join(dir, "pupils.csv")
	if err := os.WriteFile(probe, []byte("pupil_id,grade\npupil-17,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenServed(ctx, path, dir, ServedOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		// The table, the view (over core and meta, materialised), the
		// macro (recreated over the copy), and the comments.
		`SELECT code, value FROM mart.figures ORDER BY code`:                                          "0301|42.5 4601|40",
		`SELECT code, name, runs FROM mart.named ORDER BY code`:                                       "0301|Oslo|0 4601|Bergen|0",
		`SELECT * FROM mart.above(41)`:                                                                "0301",
		`SELECT comment FROM duckdb_tables() WHERE table_name = 'figures'`:                            "Figures by municipality.",
		`SELECT comment FROM duckdb_columns() WHERE column_name = 'value' AND table_name = 'figures'`: "The value, in points.",
		`SELECT DISTINCT schema_name FROM duckdb_tables() ORDER BY 1`:                                 "mart",
		`SELECT count(*) FROM duckdb_databases() WHERE NOT internal`:                                  "1",
		// PostgreSQL's type oids, for the endpoint's catalog queries.
		`SELECT string_agg(a.atttypid::VARCHAR, ' ' ORDER BY a.attnum) FROM pg_compat.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid WHERE c.relname = 'figures'`: "1043 23 1700", // code VARCHAR, year INTEGER, value DECIMAL(3,1)
	} {
		got, err := servedQuery(t, s, q)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", q, got, err, want)
		}
	}
	// Nothing reaches the published file or any other: not its schemas,
	// not ATTACH, not a file read or write, not a way to undo the sandbox,
	// and nothing is written to the copy.
	for _, q := range []string{
		`SELECT * FROM restricted.secret`,
		`SELECT * FROM core.names`,
		`ATTACH '` + path + `' AS w (READ_ONLY)`,
		`SELECT * FROM read_csv('` + probe + `')`,
		`SELECT * FROM read_text('` + path + `')`,
		`COPY (SELECT 1) TO '` + filepath.Join(dir, "out.csv") + `'`,
		`SET enable_external_access = true`,
		`SET lock_configuration = false`,
		`CREATE TABLE mart.x AS SELECT 1`,
		`DROP TABLE mart.figures`,
		`INSERT INTO mart.figures VALUES ('0000', 2023, 1)`,
	} {
		if got, err := servedQuery(t, s, q); err == nil {
			t.Errorf("%s succeeded (%q) on the served copy", q, got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out.csv")); err == nil {
		t.Error("COPY TO wrote a file")
	}
	if s.Stale() {
		t.Error("Stale before any publish")
	}
	publishServable(t, path, 43)
	if !s.Stale() {
		t.Error("not Stale after a publish")
	}
	file := s.file
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the copy %s is still there after Close: %v", file, err)
	}
}

func TestServingFollowsPublishes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	publishServable(t, path, 42)
	sv, err := NewServing(ctx, path, dir, ServedOptions{Threads: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	old, releaseOld := sv.Acquire()
	if changed, err := sv.Refresh(ctx); changed || err != nil {
		t.Fatalf("Refresh with no publish = %v, %v", changed, err)
	}
	publishServable(t, path, 43)
	if changed, err := sv.Refresh(ctx); !changed || err != nil {
		t.Fatalf("Refresh after a publish = %v, %v", changed, err)
	}
	cur, releaseCur := sv.Acquire()
	const q = `SELECT value FROM mart.figures WHERE code = '0301'`
	// A session that began before the publish keeps its state; a new one
	// sees the new state.
	if got, err := servedQuery(t, old, q); got != "42.5" || err != nil {
		t.Errorf("the session from before the publish reads %q, %v; want 42.5", got, err)
	}
	if got, err := servedQuery(t, cur, q); got != "43.5" || err != nil {
		t.Errorf("a new session reads %q, %v; want 43.5", got, err)
	}
	releaseOld()
	releaseOld() // a second release is harmless
	if _, err := os.Stat(old.file); !os.IsNotExist(err) {
		t.Errorf("the old copy is still there after its last session ended: %v", err)
	}
	sv.Close()
	if _, err := os.Stat(cur.file); err != nil {
		t.Errorf("Close removed the copy a session still holds: %v", err)
	}
	releaseCur()
	if _, err := os.Stat(cur.file); !os.IsNotExist(err) {
		t.Errorf("the copy is still there after Close and its last release: %v", err)
	}
}
