package orchestration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"text/template"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/pipelines"
	sqltext "github.com/skolestat/skolestat/sql"
)

// landingTable is where a stream lands: restricted streams in the
// restricted schema, others in raw. Its definition is sql/tables/<table>.sql.
func landingTable(s connectors.Stream) string {
	if s.Restricted {
		return "restricted." + s.Name
	}
	return "raw." + s.Name
}

// extractStep lands every stream of the step's source, quarantines what the
// source rejected (lenient reading), then checks the source's constraints.
// It runs outside a transaction and is idempotent, so that a retry starts
// clean: each landing table is created with CREATE OR REPLACE, a stream's
// quarantine rows are replaced, and the step's data-quality rows of this
// run are deleted first.
func (r *Runner) extractStep(ctx context.Context, st *run, s *pipelines.Step, log *slog.Logger) (counts, error) {
	var c counts
	if _, err := st.b.Exec(ctx, "DELETE FROM meta.data_quality WHERE run_id = ? AND step_id = ?", st.id, s.ID); err != nil {
		return c, fmt.Errorf("clearing data-quality rows of an earlier attempt: %w", err)
	}
	f, ok := r.Connectors.Lookup(s.Uses)
	if !ok {
		return c, fmt.Errorf("no connector %q", s.Uses)
	}
	responses := &responseLog{}
	src, err := f.Build(s.Config, connectors.Env{HTTP: r.httpClient().WithRecorder(responses.record), Logger: log})
	if err != nil {
		return c, fmt.Errorf("configuring connector %s: %w", s.Uses, err)
	}
	streams, err := src.Streams(ctx)
	if err != nil {
		return c, fmt.Errorf("listing streams of %s: %w", s.Uses, err)
	}
	landed := map[string]string{}
	changed := false
	for _, stream := range streams {
		table := landingTable(stream)
		in, out, err := r.landStream(ctx, st, s, src, stream, table, log)
		c.in += in
		c.out += out
		if errors.Is(err, connectors.ErrStreamAbsent) {
			log.Info("optional stream absent; nothing landed", "stream", stream.Name)
			continue
		}
		if errors.Is(err, errUnchanged) {
			continue
		}
		if err != nil {
			return c, err
		}
		changed = true
		landed[stream.Name] = table
		r.pause("extract:" + s.ID + ":" + stream.Name)
	}
	if changed && len(responses.list) > 0 {
		if err := r.landResponses(ctx, st, s, responses); err != nil {
			return c, err
		}
	}
	if cs, ok := src.(connectors.Constrained); ok {
		removed, err := r.checkConstraints(ctx, st, s, cs.Constraints(), landed, log)
		c.out -= removed
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// errUnchanged says that a stream had not changed since its checkpoint, so
// nothing was landed and its table is as the last run left it.
var errUnchanged = errors.New("stream unchanged")

// landStream reads the stream from its stored checkpoint, creates the
// stream's table from its definition and loads it, and records the new
// checkpoint. A stream that reports itself unchanged is not rewritten
// (errUnchanged).
func (r *Runner) landStream(ctx context.Context, st *run, s *pipelines.Step, src connectors.Source,
	stream connectors.Stream, table string, log *slog.Logger) (in, out int64, err error) {
	from, err := r.checkpoint(ctx, st, s, stream.Name)
	if err != nil {
		return 0, 0, err
	}
	batches, err := src.Read(ctx, stream.Name, from)
	if err != nil {
		return 0, 0, err
	}
	defer batches.Close()
	first := batches.Next()
	if !first {
		if berr := batches.Err(); berr != nil {
			return 0, 0, fmt.Errorf("reading %s from %s: %w", stream.Name, s.Uses, berr)
		}
		if u, ok := batches.(connectors.Unchanger); ok && u.Unchanged() {
			if err := r.saveState(ctx, st, s, stream.Name, nil, 0, false); err != nil {
				return 0, 0, err
			}
			if err := r.quality(ctx, st, s, table, "unchanged", 0, "nothing changed at the source since the last run; nothing rewritten"); err != nil {
				return 0, 0, err
			}
			log.Info("stream unchanged; nothing rewritten", "stream", stream.Name, "table", table)
			return 0, 0, errUnchanged
		}
	}
	ddl, err := sqltext.Table(table)
	if err != nil {
		return 0, 0, fmt.Errorf("stream %s lands in %s: %w", stream.Name, table, err)
	}
	if _, err := st.b.Exec(ctx, ddl); err != nil {
		return 0, 0, fmt.Errorf("creating %s: %w", table, err)
	}
	task := r.Progress.Start("loading "+table, "rows", -1)
	counted := &countingReader{RecordReader: &replay{RecordReader: batches, pending: first}, task: task}
	out, err = st.b.Load(ctx, table, counted)
	task.Done()
	if berr := batches.Err(); berr != nil {
		return counted.rows, 0, fmt.Errorf("reading %s from %s: %w", stream.Name, s.Uses, berr)
	}
	if err != nil {
		return counted.rows, 0, err
	}
	in = counted.rows
	var rejects []connectors.Reject
	if rj, ok := batches.(connectors.Rejecter); ok {
		rejects = rj.Rejects()
	}
	if _, err := st.b.Exec(ctx, "DELETE FROM restricted.quarantine WHERE table_name = ?", stream.Name); err != nil {
		return in, out, fmt.Errorf("clearing old quarantine of %s: %w", stream.Name, err)
	}
	if len(rejects) > 0 {
		if err := r.quarantine(ctx, st, stream.Name, rejects); err != nil {
			return in, out, err
		}
		in += int64(len(rejects))
		log.Warn("rows quarantined", "table", table, "rows", len(rejects), "see", "restricted.quarantine")
	}
	if err := r.quality(ctx, st, s, table, "loaded", out, ""); err != nil {
		return in, out, err
	}
	for reason, n := range countReasons(rejects) {
		if err := r.quality(ctx, st, s, table, "quarantined", n, reason); err != nil {
			return in, out, err
		}
	}
	if cp := batches.Checkpoint(); cp != nil {
		if err := r.saveState(ctx, st, s, stream.Name, cp, out, true); err != nil {
			return in, out, err
		}
	}
	log.Info("stream landed", "stream", stream.Name, "table", table, "rows", out, "quarantined", len(rejects))
	return in, out, nil
}

func countReasons(rejects []connectors.Reject) map[string]int64 {
	m := map[string]int64{}
	for _, rj := range rejects {
		col := rj.Column
		if col == "" {
			col = "(row)"
		}
		m[col+": "+genericReason(rj.Reason)]++
	}
	return m
}

// genericReason drops quoted values from a reason so that counts group by
// kind, and so that no value (possibly personal) reaches meta.
func genericReason(reason string) string {
	var b strings.Builder
	inQuote := false
	for _, r := range reason {
		if r == '"' {
			if !inQuote {
				b.WriteString(`"…"`)
			}
			inQuote = !inQuote
			continue
		}
		if !inQuote {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// quality records a data-quality count in meta.data_quality.
func (r *Runner) quality(ctx context.Context, st *run, s *pipelines.Step, table, check string, rows int64, detail string) error {
	_, err := st.b.Exec(ctx, `INSERT INTO meta.data_quality (run_id, step_id, table_name, check_name, rows, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		st.id, s.ID, table, check, rows, nullIfEmpty(detail))
	if err != nil {
		return fmt.Errorf("recording data quality of %s: %w", table, err)
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var quarantineSchema = arrow.NewSchema([]arrow.Field{
	{Name: "run_id", Type: arrow.BinaryTypes.String},
	{Name: "table_name", Type: arrow.BinaryTypes.String},
	{Name: "source_file", Type: arrow.BinaryTypes.String},
	{Name: "source_row", Type: arrow.PrimitiveTypes.Int64},
	{Name: "column_name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "reason", Type: arrow.BinaryTypes.String},
	{Name: "raw_values", Type: arrow.BinaryTypes.String},
}, nil)

// quarantine stores rejected rows in restricted.quarantine.
func (r *Runner) quarantine(ctx context.Context, st *run, table string, rejects []connectors.Reject) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, quarantineSchema)
	defer b.Release()
	for _, rj := range rejects {
		raw, err := json.Marshal(rj.Values)
		if err != nil {
			return fmt.Errorf("encoding a quarantined row of %s: %w", table, err)
		}
		b.Field(0).(*array.StringBuilder).Append(st.id)
		b.Field(1).(*array.StringBuilder).Append(table)
		b.Field(2).(*array.StringBuilder).Append(rj.File)
		b.Field(3).(*array.Int64Builder).Append(rj.Row)
		if rj.Column == "" {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.StringBuilder).Append(rj.Column)
		}
		b.Field(5).(*array.StringBuilder).Append(rj.Reason)
		b.Field(6).(*array.StringBuilder).Append(string(raw))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	if _, err := st.b.LoadRecords(ctx, "restricted.quarantine", quarantineSchema, []arrow.RecordBatch{rec}); err != nil {
		return fmt.Errorf("quarantining rows of %s: %w", table, err)
	}
	return nil
}

// ConstraintError reports rows that break a key or reference of the landed
// data. It is bad input: the run fails with exit code 2 and is not retried.
type ConstraintError struct {
	Problems []ConstraintProblem
}

// ConstraintProblem is one broken constraint: where, what and how often.
type ConstraintProblem struct {
	Table   string
	Column  string
	Reason  string
	Count   int64
	Samples []RowRef // the first rows, at most 10
}

// RowRef points at a row of an input file. It holds no value of the row:
// errors are logged, and pupil-level values never reach a log line.
type RowRef struct {
	File string
	Row  int64
}

func (e *ConstraintError) BadInput() bool { return true }

// Error names, for each problem, the file, the column, the reason, the count
// and the first rows, in the shape of the reader's bad-input errors:
//
//	enrolments.csv: column "pupil_id, school_year": duplicate key in 2 rows: 3, 9
func (e *ConstraintError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		oneFile := true
		for _, s := range p.Samples {
			oneFile = oneFile && s.File == p.Samples[0].File
		}
		if oneFile && len(p.Samples) > 0 {
			b.WriteString(p.Samples[0].File + ": ")
		} else {
			b.WriteString(p.Table + ": ")
		}
		rows := "rows"
		if p.Count == 1 {
			rows = "row"
		}
		fmt.Fprintf(&b, "column %q: %s in %d %s", p.Column, p.Reason, p.Count, rows)
		if p.Count > int64(len(p.Samples)) {
			b.WriteString(", first rows ")
		} else {
			b.WriteString(": ")
		}
		for j, s := range p.Samples {
			if j > 0 {
				b.WriteString(", ")
			}
			if !oneFile {
				b.WriteString(s.File + " row ")
			}
			fmt.Fprintf(&b, "%d", s.Row)
		}
		if p.Count > int64(len(p.Samples)) {
			b.WriteString(", ...")
		}
	}
	return b.String()
}

// checkConstraints runs the source's key and reference checks over the
// landed tables. Strict: violations fail the step with a ConstraintError.
// Lenient: the offending rows move to quarantine. Returns rows removed.
func (r *Runner) checkConstraints(ctx context.Context, st *run, s *pipelines.Step, cs []connectors.Constraint,
	landed map[string]string, log *slog.Logger) (int64, error) {
	keyTmpl, err := parseTemplate("check_duplicate_key")
	if err != nil {
		return 0, err
	}
	refTmpl, err := parseTemplate("check_reference")
	if err != nil {
		return 0, err
	}
	quickTmpl, err := parseTemplate("count_duplicate_keys")
	if err != nil {
		return 0, err
	}
	var problems []ConstraintProblem
	var removed int64
	for _, c := range cs {
		table, ok := landed[c.Stream]
		if !ok {
			continue
		}
		var q bytes.Buffer
		var p ConstraintProblem
		p.Table = table
		began := time.Now()
		if len(c.Key) > 0 {
			unique, err := r.keysUnique(ctx, st, quickTmpl, c)
			if err != nil {
				return removed, fmt.Errorf("checking the key of %s: %w", table, err)
			}
			if unique {
				log.Debug("constraint checked", "table", table, "column", strings.Join(c.Key, ", "), "check", "duplicate key (hashed)", "violations", 0, "duration", time.Since(began))
				continue
			}
			err = keyTmpl.Execute(&q, map[string]any{"Table": c.Stream, "Key": c.Key})
			p.Column, p.Reason = strings.Join(c.Key, ", "), "duplicate key"
		} else {
			if _, ok := landed[c.To]; !ok {
				continue // the referenced stream was not read in this step
			}
			err = refTmpl.Execute(&q, map[string]any{"Table": c.Stream, "Columns": c.Columns, "To": c.To, "ToColumns": c.ToColumns})
			p.Column, p.Reason = strings.Join(c.Columns, ", "), fmt.Sprintf("not found in %s", c.To)
		}
		if err != nil {
			return removed, fmt.Errorf("preparing a check of %s: %w", table, err)
		}
		n, err := r.violations(ctx, st, q.String(), &p)
		if err != nil {
			return removed, fmt.Errorf("checking %s of %s: %w", p.Reason, table, err)
		}
		log.Debug("constraint checked", "table", table, "column", p.Column, "check", p.Reason, "violations", n, "duration", time.Since(began))
		if n == 0 {
			continue
		}
		if !c.Lenient {
			problems = append(problems, p)
			continue
		}
		if err := r.quarantineViolations(ctx, st, c.Stream, table, q.String(), p); err != nil {
			return removed, err
		}
		removed += n
		if err := r.quality(ctx, st, s, table, "quarantined", n, p.Column+": "+p.Reason); err != nil {
			return removed, err
		}
		log.Warn("rows quarantined", "table", table, "rows", n, "reason", p.Reason, "column", p.Column)
	}
	if len(problems) > 0 {
		return removed, &ConstraintError{Problems: problems}
	}
	return removed, nil
}

// keysUnique reports whether the quick hashed test proves c's key unique.
func (r *Runner) keysUnique(ctx context.Context, st *run, tmpl *template.Template, c connectors.Constraint) (bool, error) {
	var q bytes.Buffer
	if err := tmpl.Execute(&q, map[string]any{"Table": c.Stream, "Key": c.Key}); err != nil {
		return false, err
	}
	var repeats int64
	if err := st.b.QueryRow(ctx, q.String(), nil, &repeats); err != nil {
		return false, err
	}
	return repeats == 0, nil
}

func parseTemplate(name string) (*template.Template, error) {
	text, err := sqltext.Query(name)
	if err != nil {
		return nil, err
	}
	return template.New(name).Option("missingkey=error").Parse(text)
}

// violations counts the rows the check query returns and keeps the first 10.
func (r *Runner) violations(ctx context.Context, st *run, query string, p *ConstraintProblem) (int64, error) {
	rows, err := st.b.Query(ctx, query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var ref RowRef
		var key string // for quarantine only; never put in an error
		if err := rows.Scan(&ref.File, &ref.Row, &key); err != nil {
			return 0, err
		}
		p.Count++
		if len(p.Samples) < 10 {
			p.Samples = append(p.Samples, ref)
		}
	}
	return p.Count, rows.Err()
}

// quarantineViolations moves the rows a check query returns from table to
// restricted.quarantine, in SQL, whatever their number.
func (r *Runner) quarantineViolations(ctx context.Context, st *run, stream, table, check string, p ConstraintProblem) error {
	stmts := []struct {
		sql  string
		args []any
	}{
		{"CREATE OR REPLACE TEMP TABLE _skolestat_bad AS " + check, nil},
		{`INSERT INTO restricted.quarantine (run_id, table_name, source_file, source_row, column_name, reason, raw_values)
SELECT ?, ?, t.source_file, t.source_row, ?, ? || ' (' || b.key_text || ')', to_json(t)
FROM ` + table + ` AS t JOIN _skolestat_bad AS b USING (source_file, source_row)`, []any{st.id, stream, p.Column, p.Reason}},
		{"DELETE FROM " + table + " AS t USING _skolestat_bad AS b WHERE t.source_file = b.source_file AND t.source_row = b.source_row", nil},
		{"DROP TABLE _skolestat_bad", nil},
	}
	for _, s := range stmts {
		if _, err := st.b.Exec(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("quarantining rows of %s (%s): %w", table, p.Reason, err)
		}
	}
	return nil
}

// countingReader counts the rows passing through and reports progress.
type countingReader struct {
	array.RecordReader
	task interface{ Add(int64) }
	rows int64
}

func (c *countingReader) Next() bool {
	if !c.RecordReader.Next() {
		return false
	}
	n := c.RecordReader.RecordBatch().NumRows()
	c.rows += n
	c.task.Add(n)
	return true
}
