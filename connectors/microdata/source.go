package microdata

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
)

// batchRows is the number of rows of a record Read yields (the last may be
// shorter): DuckDB's row-group size, so that each record loads as one group.
const batchRows = 122_880

func init() {
	connectors.Default.Register("microdata", connectors.Factory{
		Doc: "Pupil-level microdata files (CSV or Parquet) in the shape of shared/spec/microdata.md",
		New: func() any { return &Config{} },
		Build: connectors.Build("microdata", func(cfg Config, _ connectors.Env) (*Source, error) {
			return New(cfg)
		}),
	})
}

var (
	_ connectors.Source      = (*Source)(nil)
	_ connectors.Constrained = (*Source)(nil)
	_ connectors.Batches     = (*batches)(nil)
	_ connectors.Rejecter    = (*batches)(nil)
)

// Config is the `with:` block of a microdata extract step.
type Config struct {
	Dir     string   `yaml:"dir"`     // folder holding the table files
	Lenient bool     `yaml:"lenient"` // quarantine bad rows instead of failing
	Tables  []string `yaml:"tables"`  // optional subset; default all contract tables
}

// Source reads the microdata files of one folder. It implements
// connectors.Source and connectors.Constrained; the Batches it returns
// implement connectors.Rejecter.
type Source struct {
	cfg    Config
	tables []Table // the configured tables, in contract order
	mem    memory.Allocator
}

// New checks the config and returns a Source over cfg.Dir. It only checks
// that the folder exists: the files are found and read by Read.
func New(cfg Config) (*Source, error) {
	if cfg.Dir == "" {
		return nil, errors.New("microdata: dir is required: the folder holding the table files")
	}
	info, err := os.Stat(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("microdata: opening folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("microdata: %s is not a folder", cfg.Dir)
	}
	s := &Source{cfg: cfg, mem: memory.DefaultAllocator}
	for i, name := range cfg.Tables {
		if _, ok := Lookup(name); !ok {
			return nil, fmt.Errorf("microdata: tables: no table %q in the contract (tables: %s)", name, strings.Join(tableNames(), ", "))
		}
		if slices.Contains(cfg.Tables[:i], name) {
			return nil, fmt.Errorf("microdata: tables: %q listed twice", name)
		}
	}
	for _, t := range Tables {
		if len(cfg.Tables) == 0 || slices.Contains(cfg.Tables, t.Name) {
			s.tables = append(s.tables, t)
		}
	}
	return s, nil
}

func tableNames() []string {
	names := make([]string, len(Tables))
	for i, t := range Tables {
		names[i] = t.Name
	}
	return names
}

// OutputSchema is the schema of the records Read yields for t: the table's
// canonical columns (t.Schema()), then source_file (the path relative to the
// folder) and source_row (the 1-based data row in that file).
func OutputSchema(t Table) *arrow.Schema {
	fields := append(t.Schema().Fields(),
		arrow.Field{Name: "source_file", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "source_row", Type: arrow.PrimitiveTypes.Int64},
	)
	return arrow.NewSchema(fields, nil)
}

// Streams lists one restricted stream per configured table, in contract order.
func (s *Source) Streams(ctx context.Context) ([]connectors.Stream, error) {
	streams := make([]connectors.Stream, len(s.tables))
	for i, t := range s.tables {
		streams[i] = connectors.Stream{
			Name:        t.Name,
			Description: t.Description,
			Schema:      OutputSchema(t),
			Restricted:  true,
			Optional:    t.Optional,
		}
	}
	return streams, nil
}

// Constraints are the keys and references of the configured tables, for the
// runner to check in the warehouse once every stream has landed; the reader
// itself checks rows one at a time only. A reference names its target's key.
func (s *Source) Constraints() []connectors.Constraint {
	var cs []connectors.Constraint
	for _, t := range s.tables {
		if len(t.Key) > 0 {
			cs = append(cs, connectors.Constraint{Stream: t.Name, Key: t.Key, Lenient: s.cfg.Lenient})
		}
		for _, r := range t.References {
			to, _ := Lookup(r.To)
			cs = append(cs, connectors.Constraint{Stream: t.Name, Columns: r.Columns, To: r.To, ToColumns: to.Key, Lenient: s.cfg.Lenient})
		}
	}
	return cs
}

// Read finds the files of table stream and returns Batches over them. It
// returns connectors.ErrStreamAbsent for an optional table without files, and
// an error for a required one, or for a table with more than one candidate
// (say grades.csv beside grades.parquet). The files are opened and checked as
// the caller calls Next; problems with them come from Batches.Err. The
// checkpoint is ignored: files are always read whole.
func (s *Source) Read(ctx context.Context, stream string, _ connectors.Checkpoint) (connectors.Batches, error) {
	i := slices.IndexFunc(s.tables, func(t Table) bool { return t.Name == stream })
	if i < 0 {
		return nil, fmt.Errorf("microdata: no stream %q (configured: %s)", stream, strings.Join(s.streamNames(), ", "))
	}
	t := s.tables[i]
	files, err := s.locate(t)
	if err != nil {
		return nil, err
	}
	return newBatches(ctx, s, t, files), nil
}

func (s *Source) streamNames() []string {
	names := make([]string, len(s.tables))
	for i, t := range s.tables {
		names[i] = t.Name
	}
	return names
}

// inputFile is one input file of a table.
type inputFile struct {
	path string // as opened
	rel  string // relative to the folder, '/'-separated: source_file
	kind fileKind
}

type fileKind int

const (
	kindParquet fileKind = iota
	kindCSV
	kindCSVGzip
)

// fileKindOf classifies a file by its name's ending.
func fileKindOf(name string) (fileKind, bool) {
	switch {
	case strings.HasSuffix(name, ".parquet"):
		return kindParquet, true
	case strings.HasSuffix(name, ".csv.gz"):
		return kindCSVGzip, true
	case strings.HasSuffix(name, ".csv"):
		return kindCSV, true
	}
	return 0, false
}

// locate returns the files of t: one of <table>.parquet, <table>.csv,
// <table>.csv.gz, or the files of the folder <table>/ in sorted order.
func (s *Source) locate(t Table) ([]inputFile, error) {
	candidates := []string{t.Name + ".parquet", t.Name + ".csv", t.Name + ".csv.gz", t.Name + "/"}
	var found []string
	for _, c := range candidates {
		_, err := os.Stat(filepath.Join(s.cfg.Dir, c))
		switch {
		case err == nil:
			found = append(found, c)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("microdata: looking for %s: %w", c, err)
		}
	}
	switch {
	case len(found) == 0 && t.Optional:
		return nil, connectors.ErrStreamAbsent
	case len(found) == 0:
		return nil, &folderError{fmt.Sprintf("microdata: no file for table %q in %s (looked for %s)",
			t.Name, s.cfg.Dir, strings.Join(candidates, ", "))}
	case len(found) > 1:
		return nil, &folderError{fmt.Sprintf("microdata: table %q has %d candidates in %s: %s; keep exactly one",
			t.Name, len(found), s.cfg.Dir, strings.Join(found, " and "))}
	}
	name := found[0]
	if !strings.HasSuffix(name, "/") {
		info, err := os.Stat(filepath.Join(s.cfg.Dir, name))
		if err != nil {
			return nil, fmt.Errorf("microdata: looking for %s: %w", name, err)
		}
		if info.IsDir() {
			return nil, &folderError{fmt.Sprintf("microdata: %s in %s is a folder, not a file", name, s.cfg.Dir)}
		}
		kind, _ := fileKindOf(name)
		return []inputFile{{path: filepath.Join(s.cfg.Dir, name), rel: name, kind: kind}}, nil
	}
	return s.partFiles(t, name)
}

// partFiles lists the folder of a table split into parts. Names starting with
// '.' or '_' (editor and job markers such as _SUCCESS) are skipped; any other
// entry must be a .parquet, .csv or .csv.gz file, so that no part is left out
// unnoticed.
func (s *Source) partFiles(t Table, folder string) ([]inputFile, error) {
	dir := filepath.Join(s.cfg.Dir, folder)
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("microdata: listing %s: %w", dir, err)
	}
	var files []inputFile
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		kind, ok := fileKindOf(name)
		if !ok || e.IsDir() {
			return nil, &folderError{fmt.Sprintf("microdata: %s%s in %s is not a .parquet, .csv or .csv.gz file; the folder of table %q may hold only those",
				folder, name, s.cfg.Dir, t.Name)}
		}
		files = append(files, inputFile{path: filepath.Join(dir, name), rel: folder + name, kind: kind})
	}
	if len(files) == 0 {
		return nil, &folderError{fmt.Sprintf("microdata: folder %s in %s holds no .parquet, .csv or .csv.gz file for table %q",
			folder, s.cfg.Dir, t.Name)}
	}
	return files, nil
}

// Each reads one table of the folder dir strictly and hands each record to
// fn, in file order; the record is valid during the call only. It is the
// short way for code that reads a simulated nation whole (the API
// emulator, tests) rather than landing it.
func Each(ctx context.Context, dir, table string, fn func(arrow.RecordBatch) error) error {
	src, err := New(Config{Dir: dir, Tables: []string{table}})
	if err != nil {
		return fmt.Errorf("reading %s of %s: %w", table, dir, err)
	}
	b, err := src.Read(ctx, table, nil)
	if err != nil {
		return fmt.Errorf("reading %s of %s: %w", table, dir, err)
	}
	defer b.Close()
	for b.Next() {
		if err := fn(b.RecordBatch()); err != nil {
			return fmt.Errorf("reading %s of %s: %w", table, dir, err)
		}
	}
	if err := b.Err(); err != nil {
		return fmt.Errorf("reading %s of %s: %w", table, dir, err)
	}
	return nil
}
