package pgserver

import "testing"

func TestCompat(t *testing.T) {
	for in, want := range map[string]string{
		// psql's \dt
		`WHERE n.nspname OPERATOR(pg_catalog.~) '^(mart)$' COLLATE pg_catalog.default`: `WHERE n.nspname ~ '^(mart)$'`,
		`pg_catalog.pg_get_userbyid(c.relowner) as "Owner"`:                            `'skolestat' as "Owner"`,
		// JDBC's getTables and getColumns
		`d.classoid = 'pg_class'::regclass)`:                   `d.classoid = NULL)`,
		`JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid)`: `JOIN pg_compat.pg_attribute a ON (a.attrelid=c.oid)`,
		`c.reloftype::pg_catalog.regtype::pg_catalog.text`:     `c.reloftype::VARCHAR::text`,
		`x::oid`: `x::BIGINT`,
		// SQLAlchemy's
		`select pg_catalog.version()`:                     `select ('PostgreSQL 15.0 (skolestat; DuckDB ' || (SELECT library_version FROM pragma_version()) || ')')`,
		`pg_catalog.format_type(a.atttypid, a.atttypmod)`: `pg_compat.format_type(a.atttypid, a.atttypmod)`,
		`s.seqrelid = pg_catalog.pg_get_serial_sequence(a.attrelid::regclass::text, a.attname)::regclass::oid`: `s.seqrelid = NULL::VARCHAR::BIGINT`,
		`SELECT json_build_object('a', 1)`:                 `SELECT json_object('a', 1)`,
		`pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)`: `pg_catalog.pg_get_expr(d.adbin, d.adrelid)`,
		// Left alone.
		`SELECT 'pg_attribute', a ~ b FROM mart.gsp`: `SELECT 'pg_attribute', a ~ b FROM mart.gsp`,
	} {
		if got := compat(in); got != want {
			t.Errorf("compat(%q) = %q, want %q", in, got, want)
		}
	}
}
