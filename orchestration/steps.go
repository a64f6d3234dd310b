package orchestration

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors"
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

// transformStep creates the transform's output tables, runs it with its
// inputs read from the next state (on a reading connection of their own)
// and loads what it writes to its sink as it comes, in buffers of
// sinkFlushRows rows per output, so that the step's memory does not grow
// with its output.
func (r *Runner) transformStep(ctx context.Context, st *run, s *pipelines.Step, log *slog.Logger) (counts, error) {
	var c counts
	t, ok := r.Transforms.Lookup(s.Uses)
	if !ok {
		return c, fmt.Errorf("no transform %q", s.Uses)
	}
	for _, b := range t.Outputs {
		ddl, err := sqltext.Table(b.SQL)
		if err != nil {
			return c, err
		}
		if _, err := st.b.Exec(ctx, ddl); err != nil {
			return c, fmt.Errorf("creating %s: %w", b.SQL, err)
		}
	}
	task := r.Progress.Start("computing "+s.Uses, "input rows", -1)
	in := &inputs{st: st, bindings: t.Inputs, task: task}
	out := &sink{r: r, st: st, step: s, log: log, bindings: t.Outputs, buf: map[string]*pending{}, rows: map[string]int64{}}
	defer out.release()
	err := t.Run(ctx, s.Config, in, out)
	if err == nil {
		err = out.flushAll(ctx)
	}
	task.Done()
	c.in = in.rows
	if err != nil {
		return c, fmt.Errorf("computing %s: %w", s.Uses, err)
	}
	for _, b := range t.Outputs {
		log.Info("output loaded", "table", b.SQL, "rows", out.rows[b.Name])
		c.out += out.rows[b.Name]
	}
	return c, nil
}

// sinkFlushRows is how many rows of one output the sink holds before it
// loads them: large enough that a load's fixed cost (registering the
// records with DuckDB, planning the INSERT) is small beside its rows.
const sinkFlushRows = 1 << 20

// sink loads a transform's output batches into their tables, and its
// rejected input rows into restricted.quarantine.
type sink struct {
	r        *Runner
	st       *run
	step     *pipelines.Step
	log      *slog.Logger
	bindings []transforms.Binding
	buf      map[string]*pending
	order    []string
	rows     map[string]int64
}

// pending are an output's batches not yet loaded.
type pending struct {
	table string
	recs  []arrow.RecordBatch
	rows  int64
}

func (s *sink) Write(ctx context.Context, output string, rec arrow.RecordBatch) error {
	p, ok := s.buf[output]
	if !ok {
		for _, b := range s.bindings {
			if b.Name == output {
				p = &pending{table: b.SQL}
			}
		}
		if p == nil {
			return fmt.Errorf("the transform wrote to %q, which is not one of its outputs", output)
		}
		s.buf[output] = p
		s.order = append(s.order, output)
	}
	rec.Retain()
	p.recs = append(p.recs, rec)
	p.rows += rec.NumRows()
	if p.rows >= sinkFlushRows {
		return s.flush(ctx, output, p)
	}
	return nil
}

func (s *sink) flush(ctx context.Context, output string, p *pending) error {
	if len(p.recs) == 0 {
		return nil
	}
	n, err := s.st.b.LoadRecords(ctx, p.table, p.recs[0].Schema(), p.recs)
	for _, r := range p.recs {
		r.Release()
	}
	p.recs, p.rows = nil, 0
	if err != nil {
		return err
	}
	s.rows[output] += n
	return nil
}

func (s *sink) Quarantine(ctx context.Context, table string, rows []transforms.Reject) error {
	if len(rows) == 0 {
		return nil
	}
	rejects := make([]connectors.Reject, len(rows))
	for i, rw := range rows {
		rejects[i] = connectors.Reject{Stream: table, File: rw.File, Row: rw.Row, Column: rw.Column, Reason: rw.Reason, Values: rw.Values}
	}
	if err := s.r.quarantine(ctx, s.st, table, rejects); err != nil {
		return err
	}
	for reason, n := range countReasons(rejects) {
		if err := s.r.quality(ctx, s.st, s.step, table, "quarantined", n, reason); err != nil {
			return err
		}
	}
	s.log.Warn("rows quarantined", "table", table, "rows", len(rows), "see", "restricted.quarantine")
	return nil
}

func (s *sink) flushAll(ctx context.Context) error {
	for _, o := range s.order {
		if err := s.flush(ctx, o, s.buf[o]); err != nil {
			return err
		}
	}
	return nil
}

func (s *sink) release() {
	for _, p := range s.buf {
		for _, r := range p.recs {
			r.Release()
		}
		p.recs = nil
	}
}

// inputs opens a transform's inputs from the next state by query name.
type inputs struct {
	st       *run
	bindings []transforms.Binding
	task     interface{ Add(int64) }
	rows     int64
}

func (in *inputs) Open(ctx context.Context, name string, args ...any) (array.RecordReader, error) {
	for _, b := range in.bindings {
		if b.Name != name {
			continue
		}
		q, err := sqltext.Query(b.SQL)
		if err != nil {
			return nil, err
		}
		rdr, err := in.st.b.ReadArrow(ctx, q, args...)
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
