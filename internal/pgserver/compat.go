package pgserver

import "regexp"

// rewrites turn the PostgreSQL-only syntax of the catalog queries that
// psql's \d commands and the JDBC driver's DatabaseMetaData send into what
// DuckDB's pg_catalog emulation runs. Each was found by running those
// clients against the endpoint (internal/pgserver's psql and JDBC tests).
var rewrites = []struct {
	re   *regexp.Regexp
	with string
}{
	// n.nspname OPERATOR(pg_catalog.~) '^(mart)$': the qualified operator.
	{regexp.MustCompile(`OPERATOR\(pg_catalog\.([~!<>=*+\-/|&#%^@]+)\)`), `$1`},
	// ... COLLATE pg_catalog.default: PostgreSQL's default collation.
	{regexp.MustCompile(`(?i)\s+COLLATE\s+pg_catalog\."?default"?`), ``},
	// d.classoid = 'pg_class'::regclass: DuckDB has no reg* types and no
	// descriptions in pg_description, so the join finds nothing either way.
	{regexp.MustCompile(`'[A-Za-z_.]+'::(pg_catalog\.)?regclass`), `NULL`},
	// c.reloftype::pg_catalog.regtype::pg_catalog.text: casts to
	// qualified types; the reg* types, oid and name as DuckDB's.
	{regexp.MustCompile(`::pg_catalog\.`), `::`},
	{regexp.MustCompile(`(?i)::(regtype|regclass|regproc|regprocedure|regnamespace|regrole|name)\b`), `::VARCHAR`},
	{regexp.MustCompile(`(?i)::oid\b`), `::BIGINT`},
	// DuckDB's pg_attribute gives its own type ids, not PostgreSQL's; the
	// served copy's pg_compat.pg_attribute gives PostgreSQL's.
	{regexp.MustCompile(`\bpg_catalog\.pg_attribute\b`), `pg_compat.pg_attribute`},
	// SELECT pg_catalog.version(): drivers (SQLAlchemy, so Superset) read
	// PostgreSQL's major version from it; DuckDB's says v1.5.6.
	{regexp.MustCompile(`(?i)\b(pg_catalog\.)?version\(\)`), `('PostgreSQL 15.0 (skolestat; DuckDB ' || (SELECT library_version FROM pragma_version()) || ')')`},
	// pg_get_serial_sequence(...): there are no sequences (SQLAlchemy's
	// column reflection asks).
	{regexp.MustCompile(`(pg_catalog\.)?pg_get_serial_sequence\([^()]*\)`), `NULL`},
	// format_type(atttypid, atttypmod) over those oids: pg_compat's.
	{regexp.MustCompile(`\b(pg_catalog\.)?format_type\(`), `pg_compat.format_type(`},
	// pg_get_expr(adbin, adrelid, true): DuckDB's takes two arguments.
	{regexp.MustCompile(`\bpg_get_expr\(([^(),]+),([^(),]+),\s*(?i:true|false)\s*\)`), `pg_get_expr($1,$2)`},
	// json_build_object is DuckDB's json_object.
	{regexp.MustCompile(`\bjson_build_object\(`), `json_object(`},
	// pg_catalog.pg_get_userbyid(c.relowner): there are no roles.
	{regexp.MustCompile(`(pg_catalog\.)?pg_get_userbyid\([^()]*\)`), `'skolestat'`},
}

// compat applies the rewrites to one statement.
func compat(st string) string {
	for _, r := range rewrites {
		st = r.re.ReplaceAllString(st, r.with)
	}
	return st
}
