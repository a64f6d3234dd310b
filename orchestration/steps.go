package orchestration

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/internal/export"
	"github.com/skolestat/skolestat/pipelines"
	sqltext "github.com/skolestat/skolestat/sql"
	"github.com/skolestat/skolestat/transforms"
)

// ExportConfig is the with: block of an export step.
type ExportConfig struct {
	// Dir is the folder the export is published to.
	Dir string `yaml:"dir"`
	// Tables are the mart tables to export; empty means all.
	Tables []string `yaml:"tables"`
}

// LoadConfig is the (empty) with: block of a load step.
type LoadConfig struct{}

// Catalog returns the pipelines.Catalog of this runner's registries.
func (r *Runner) Catalog() pipelines.Catalog { return catalog{r} }

type catalog struct{ r *Runner }

func (c catalog) NewConfig(kind pipelines.Kind, uses string) (any, error) {
	switch kind {
	case pipelines.Extract:
		f, ok := c.r.Connectors.Lookup(uses)
		if !ok {
			return nil, fmt.Errorf("no connector %q (connectors: %s)", uses, strings.Join(c.r.Connectors.Names(), ", "))
		}
		return f.New(), nil
	case pipelines.Transform:
		t, ok := c.r.Transforms.Lookup(uses)
		if !ok {
			return nil, fmt.Errorf("no transform %q (transforms: %s)", uses, strings.Join(c.r.Transforms.Names(), ", "))
		}
		return t.New(), nil
	case pipelines.Export:
		return &ExportConfig{Dir: "export"}, nil
	case pipelines.LoadSQL:
		return &LoadConfig{}, nil
	}
	return nil, fmt.Errorf("no step kind %q", kind)
}

func (c catalog) HasScript(name string) bool {
	_, err := sqltext.Script(name)
	return err == nil
}

// loadStep runs the step's SQL scripts, in order.
func (r *Runner) loadStep(ctx context.Context, st *run, s *pipelines.Step) (counts, error) {
	var c counts
	for _, name := range s.SQL {
		text, err := sqltext.Script(name)
		if err != nil {
			return c, err
		}
		n, err := st.b.Exec(ctx, text)
		if err != nil {
			return c, fmt.Errorf("running sql/scripts/%s.sql: %w", name, err)
		}
		c.out += n
	}
	return c, nil
}

// transformStep feeds the transform its inputs from the next state, runs
// it, and loads its outputs into their tables.
func (r *Runner) transformStep(ctx context.Context, st *run, s *pipelines.Step, log *slog.Logger) (counts, error) {
	var c counts
	t, ok := r.Transforms.Lookup(s.Uses)
	if !ok {
		return c, fmt.Errorf("no transform %q", s.Uses)
	}
	task := r.Progress.Start("computing "+s.Uses, "input rows", -1)
	in := &inputs{st: st, bindings: t.Inputs, task: task}
	outs, err := t.Run(ctx, s.Config, in)
	task.Done()
	c.in = in.rows
	if err != nil {
		return c, fmt.Errorf("computing %s: %w", s.Uses, err)
	}
	defer outs.Release()
	for _, b := range t.Outputs {
		out, ok := outs[b.Name]
		if !ok {
			return c, fmt.Errorf("transform %s returned no output %q", s.Uses, b.Name)
		}
		ddl, err := sqltext.Table(b.SQL)
		if err != nil {
			return c, err
		}
		if _, err := st.b.Exec(ctx, ddl); err != nil {
			return c, fmt.Errorf("creating %s: %w", b.SQL, err)
		}
		n, err := st.b.LoadRecords(ctx, b.SQL, out.Schema, out.Records)
		if err != nil {
			return c, err
		}
		log.Info("output loaded", "table", b.SQL, "rows", n)
		c.out += n
	}
	return c, nil
}

// inputs opens a transform's inputs from the next state by query name.
type inputs struct {
	st       *run
	bindings []transforms.Binding
	task     interface{ Add(int64) }
	rows     int64
}

func (in *inputs) Open(ctx context.Context, name string) (array.RecordReader, error) {
	for _, b := range in.bindings {
		if b.Name != name {
			continue
		}
		q, err := sqltext.Query(b.SQL)
		if err != nil {
			return nil, err
		}
		rdr, err := in.st.b.QueryArrow(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("querying input %s (sql/queries/%s.sql): %w", name, b.SQL, err)
		}
		return &inputCounter{RecordReader: rdr, in: in}, nil
	}
	return nil, fmt.Errorf("transform has no input %q", name)
}

type inputCounter struct {
	array.RecordReader
	in *inputs
}

func (c *inputCounter) Next() bool {
	if !c.RecordReader.Next() {
		return false
	}
	n := c.RecordReader.RecordBatch().NumRows()
	c.in.rows += n
	c.in.task.Add(n)
	return true
}

// exportStep stages the export from the next state; it is swapped into
// place after the warehouse is published.
func (r *Runner) exportStep(ctx context.Context, st *run, s *pipelines.Step, log *slog.Logger) (counts, error) {
	var c counts
	cfg := s.Config.(*ExportConfig)
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return c, fmt.Errorf("export folder %s: %w", cfg.Dir, err)
	}
	task := r.Progress.Start("exporting", "tables", -1)
	staged, err := export.Stage(ctx, st.b, dir, export.Options{
		Tables: cfg.Tables, RunID: st.id,
		Progress: func(table string, done, total int) {
			task.Add(1)
			r.pause("export:" + table)
		},
	})
	task.Done()
	if err != nil {
		return c, err
	}
	for _, t := range staged.Manifest.Tables {
		c.out += t.Rows
	}
	st.staged = append(st.staged, staged)
	log.Info("export staged", "dir", staged.Staging, "tables", len(staged.Manifest.Tables), "rows", c.out)
	return c, nil
}
