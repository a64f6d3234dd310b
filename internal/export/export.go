// Package export writes the warehouse's mart as a Parquet dataset for BI
// tools: export/<table>/year=<school_year>/data_0.parquet (Hive-partitioned
// by school year; tables without one are a single file), the column
// descriptions in each file's key-value metadata, and a _manifest.json
// (tables, row counts, checksums, run id) written last.
//
// Only the mart schema is ever exported: the table list is read from mart
// and a name outside it is refused, so nothing from restricted (or core) can
// leave through here.
//
// Publishing is staged: Stage writes a complete dataset into a fresh folder
// beside the target (D.staging-<id>), and Commit swaps it into place with
// renames (D -> D.old-<id>, D.staging-<id> -> D, then removes D.old-<id>).
// Commit is idempotent and finishes a swap that a crash interrupted, so a
// reader of D sees the old dataset or the new one, and recovery (Recover)
// never loses both. Callers: the runner's export step (Stage during the run,
// Commit after the warehouse is published) and `skolestat export` (both at
// once, from the published warehouse).
package export

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skolestat/skolestat/internal/warehouse"
)

// Querier is the part of a warehouse handle the export needs; both
// *warehouse.Build and *warehouse.Reader satisfy it.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ManifestName is the manifest's file name in the export folder.
const ManifestName = "_manifest.json"

// Options select and label what is exported.
type Options struct {
	// Tables are mart tables or views to export (names without "mart.");
	// empty means all of them.
	Tables []string
	// RunID goes into the manifest and every file's metadata.
	RunID string
	// Progress, when set, is told as each table is done.
	Progress func(table string, done, total int)
}

// Manifest describes an export; it is written last, so a folder with a
// manifest is complete.
type Manifest struct {
	RunID     string          `json:"run_id"`
	CreatedAt time.Time       `json:"created_at"`
	Format    string          `json:"format"`
	Tables    []TableManifest `json:"tables"`
}

// TableManifest describes one exported table.
type TableManifest struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	PartitionBy string         `json:"partition_by,omitempty"`
	Rows        int64          `json:"rows"`
	Columns     []Column       `json:"columns"`
	Files       []FileManifest `json:"files"`
}

// Column is one exported column with its description.
type Column struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
}

// FileManifest is one Parquet file: path relative to the export folder,
// rows, size and SHA-256.
type FileManifest struct {
	Path   string `json:"path"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Staged is an export written to its staging folder, not yet in place.
type Staged struct {
	Dir      string // where Commit puts it
	Staging  string
	Manifest Manifest
}

// StagingPath and OldPath are the sibling folders of a swap.
func StagingPath(dir, id string) string { return dir + ".staging-" + id }
func OldPath(dir, id string) string     { return dir + ".old-" + id }

// Stage writes every selected mart table into StagingPath(dir, opt.RunID).
func Stage(ctx context.Context, q Querier, dir string, opt Options) (*Staged, error) {
	if opt.RunID == "" {
		return nil, errors.New("export: a run id is needed to name the staging folder")
	}
	dir = filepath.Clean(dir)
	tables, err := martTables(ctx, q)
	if err != nil {
		return nil, err
	}
	selected, err := selectTables(tables, opt.Tables)
	if err != nil {
		return nil, err
	}
	staging := StagingPath(dir, opt.RunID)
	if err := os.RemoveAll(staging); err != nil {
		return nil, fmt.Errorf("clearing staging folder %s: %w", staging, err)
	}
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return nil, fmt.Errorf("creating staging folder %s: %w", staging, err)
	}
	m := Manifest{RunID: opt.RunID, CreatedAt: time.Now().UTC().Truncate(time.Second), Format: "parquet"}
	for i, t := range selected {
		tm, err := writeTable(ctx, q, staging, t, opt.RunID)
		if err != nil {
			os.RemoveAll(staging)
			return nil, fmt.Errorf("exporting mart.%s: %w", t.name, err)
		}
		m.Tables = append(m.Tables, tm)
		if opt.Progress != nil {
			opt.Progress(t.name, i+1, len(selected))
		}
	}
	if err := writeManifest(staging, m); err != nil {
		os.RemoveAll(staging)
		return nil, err
	}
	return &Staged{Dir: dir, Staging: staging, Manifest: m}, nil
}

// Commit puts the staged export in place.
func (s *Staged) Commit() error { return Commit(s.Staging, s.Dir, s.Manifest.RunID) }

// Discard removes the staged export.
func (s *Staged) Discard() error { return os.RemoveAll(s.Staging) }

// Commit swaps staging into dir. It is idempotent: called again after a
// crash at any point of an earlier call, it finishes the swap.
func Commit(staging, dir, id string) error {
	old := OldPath(dir, id)
	if _, err := os.Stat(staging); err == nil {
		if _, err := os.Stat(dir); err == nil {
			if err := os.Rename(dir, old); err != nil {
				return fmt.Errorf("moving the previous export %s aside: %w", dir, err)
			}
		}
		if err := os.Rename(staging, dir); err != nil {
			return fmt.Errorf("moving export %s into place: %w", staging, err)
		}
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return fmt.Errorf("flushing %s: %w", filepath.Dir(dir), err)
		}
	} else if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("export %s: neither the staged folder nor the published one exists", dir)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("removing the previous export %s: %w", old, err)
	}
	return nil
}

// Recover cleans up beside dir after a crash, when no swap is to be
// finished: it restores dir from an old copy if a swap died between its two
// renames, and removes leftover staging and old folders.
func Recover(dir string) error {
	dir = filepath.Clean(dir)
	olds, _ := filepath.Glob(dir + ".old-*")
	stagings, _ := filepath.Glob(dir + ".staging-*")
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) && len(olds) > 0 {
		sort.Strings(olds)
		if err := os.Rename(olds[len(olds)-1], dir); err != nil {
			return fmt.Errorf("restoring export %s: %w", dir, err)
		}
		olds = olds[:len(olds)-1]
	}
	for _, p := range append(olds, stagings...) {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("removing leftover %s: %w", p, err)
		}
	}
	return nil
}

// ReadManifest reads the manifest of an export folder.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return m, fmt.Errorf("reading export manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("reading export manifest %s: %w", filepath.Join(dir, ManifestName), err)
	}
	return m, nil
}

type martTable struct {
	name, comment string
	columns       []Column
}

func martTables(ctx context.Context, q Querier) ([]martTable, error) {
	rows, err := q.Query(ctx, `
SELECT c.table_name, coalesce(t.comment, v.comment, ''), c.column_name, c.data_type, coalesce(c.comment, '')
FROM duckdb_columns() c
LEFT JOIN duckdb_tables() t ON t.schema_name = c.schema_name AND t.table_name = c.table_name AND t.database_name = c.database_name
LEFT JOIN duckdb_views() v ON v.schema_name = c.schema_name AND v.view_name = c.table_name AND v.database_name = c.database_name
WHERE c.schema_name = 'mart' AND c.database_name = current_database()
ORDER BY c.table_name, c.column_index`)
	if err != nil {
		return nil, fmt.Errorf("listing mart tables: %w", err)
	}
	defer rows.Close()
	var out []martTable
	for rows.Next() {
		var tname, tcomment string
		var col Column
		if err := rows.Scan(&tname, &tcomment, &col.Name, &col.Type, &col.Description); err != nil {
			return nil, fmt.Errorf("listing mart tables: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].name != tname {
			out = append(out, martTable{name: tname, comment: tcomment})
		}
		out[len(out)-1].columns = append(out[len(out)-1].columns, col)
	}
	return out, rows.Err()
}

func selectTables(all []martTable, want []string) ([]martTable, error) {
	if len(want) == 0 {
		return all, nil
	}
	byName := map[string]martTable{}
	var names []string
	for _, t := range all {
		byName[t.name] = t
		names = append(names, t.name)
	}
	var out []martTable
	for _, w := range want {
		name := strings.TrimPrefix(w, "mart.")
		t, ok := byName[name]
		if !ok || strings.Contains(name, ".") {
			return nil, fmt.Errorf("%q is not a mart table; only mart is exported (mart tables: %s)", w, strings.Join(names, ", "))
		}
		out = append(out, t)
	}
	return out, nil
}

func writeTable(ctx context.Context, q Querier, staging string, t martTable, runID string) (TableManifest, error) {
	tm := TableManifest{Name: t.name, Description: t.comment, Columns: t.columns}
	kv := []string{kvPair("skolestat:run_id", runID), kvPair("skolestat:table", "mart."+t.name)}
	if t.comment != "" {
		kv = append(kv, kvPair("skolestat:description", t.comment))
	}
	partitioned := false
	for _, c := range t.columns {
		if c.Description != "" {
			kv = append(kv, kvPair("skolestat:column:"+c.Name, c.Description))
		}
		if c.Name == "school_year" {
			partitioned = true
		}
	}
	meta := "{" + strings.Join(kv, ", ") + "}"
	target := filepath.Join(staging, t.name)
	var stmt string
	if partitioned {
		tm.PartitionBy = "year"
		stmt = fmt.Sprintf(`COPY (SELECT *, school_year AS year FROM mart.%s) TO %s (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year), KV_METADATA %s)`,
			quoteIdent(t.name), quoteString(target), meta)
	} else {
		if err := os.MkdirAll(target, 0o755); err != nil {
			return tm, err
		}
		stmt = fmt.Sprintf(`COPY (SELECT * FROM mart.%s) TO %s (FORMAT parquet, COMPRESSION zstd, KV_METADATA %s)`,
			quoteIdent(t.name), quoteString(filepath.Join(target, "data_0.parquet")), meta)
	}
	if _, err := q.Exec(ctx, stmt); err != nil {
		return tm, err
	}
	files, err := filepath.Glob(filepath.Join(target, "*.parquet"))
	if err != nil {
		return tm, err
	}
	more, _ := filepath.Glob(filepath.Join(target, "*", "*.parquet"))
	files = append(files, more...)
	sort.Strings(files)
	for _, f := range files {
		fm, err := describeFile(ctx, q, staging, f)
		if err != nil {
			return tm, err
		}
		tm.Rows += fm.Rows
		tm.Files = append(tm.Files, fm)
	}
	return tm, nil
}

func describeFile(ctx context.Context, q Querier, root, path string) (FileManifest, error) {
	rel, _ := filepath.Rel(root, path)
	fm := FileManifest{Path: filepath.ToSlash(rel)}
	rows, err := q.Query(ctx, "SELECT count(*) FROM read_parquet(?)", path)
	if err != nil {
		return fm, fmt.Errorf("counting rows of %s: %w", rel, err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&fm.Rows); err != nil {
			return fm, err
		}
	}
	if err := rows.Close(); err != nil {
		return fm, err
	}
	f, err := os.Open(path)
	if err != nil {
		return fm, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fm, fmt.Errorf("checksumming %s: %w", rel, err)
	}
	fm.Bytes, fm.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return fm, nil
}

// writeManifest writes the manifest (temp file, fsync, rename) and fsyncs
// every file of the folder first, so a manifest never describes files that
// a power cut could lose.
func writeManifest(dir string, m Manifest) error {
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if err == nil {
				return syncDir(p)
			}
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
	if err != nil {
		return fmt.Errorf("flushing export files: %w", err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding manifest: %w", err)
	}
	tmp := filepath.Join(dir, ManifestName+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("writing manifest: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("writing manifest: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("writing manifest: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, ManifestName)); err != nil {
		return fmt.Errorf("writing manifest: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func kvPair(k, v string) string { return quoteIdent(k) + ": " + quoteString(v) }

var (
	quoteIdent  = warehouse.QuoteIdent
	quoteString = warehouse.QuoteString
)
