// Package sql holds the project's SQL, embedded in the binary: schema
// migrations, table definitions, named queries and views. SQL lives here as
// .sql files, never as long strings in Go.
//
//   - migrations/NNNN_name.sql: objects that persist across runs (schemas, meta
//     tables). The warehouse applies each once, in order, and records it in
//     meta.schema_migrations.
//   - tables/<schema>.<table>.sql: tables rebuilt by a run's steps. The step
//     that fills a table runs its file first (CREATE OR REPLACE plus COMMENT
//     ON COLUMN), so the table's shape and column descriptions always match
//     the binary that wrote it.
//   - queries/<name>.sql: named queries (transform inputs, checks).
//   - scripts/<name>.sql: what a pipeline's load steps run: tables built by SQL
//     from other tables, and the mart tables and views.
//
// Importers alias the package (it shares its name with database/sql), e.g.
// `sqltext "github.com/skolestat/skolestat/sql"`.
package sql

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql tables/*.sql queries/*.sql scripts/*.sql
var files embed.FS

// Migration is one numbered schema migration.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns every migration, in version order. File names must be
// NNNN_name.sql with unique versions; anything else is a build mistake and
// panics in tests.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(files, "migrations")
	if err != nil {
		return nil, fmt.Errorf("reading embedded migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %q: want NNNN_name.sql", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := files.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Table returns the definition of a rebuilt table, e.g. Table("core.gsp").
func Table(qualified string) (string, error) { return read("tables", qualified) }

// Query returns a named query, e.g. Query("gsp_input").
func Query(name string) (string, error) { return read("queries", name) }

// Script returns a load-step script, e.g. Script("mart_gsp").
func Script(name string) (string, error) { return read("scripts", name) }

// Names lists the files of a folder ("tables", "queries", "scripts") without
// the .sql suffix, sorted.
func Names(folder string) []string {
	entries, _ := fs.ReadDir(files, folder)
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".sql"))
	}
	return out
}

func read(folder, name string) (string, error) {
	b, err := files.ReadFile(path.Join(folder, name+".sql"))
	if err != nil {
		return "", fmt.Errorf("no SQL %s/%s.sql in this build: %w", folder, name, err)
	}
	return string(b), nil
}
