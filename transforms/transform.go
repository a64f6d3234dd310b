// Package transforms defines how an indicator computation plugs into a
// pipeline. The computations themselves live in subpackages (gsp, sbi,
// survey, profile; disclosure is the suppression they share) and are pure:
// Arrow records in, Arrow records out, no I/O, no clock, no globals, so they
// are tested with tables written in the test.
//
// A Transform binds such a computation to the warehouse: which named queries
// (sql/queries) feed its inputs and which tables (sql/tables) receive its
// outputs. The orchestration runner's transform step creates each output
// table from its definition, calls Run with the inputs and a [Sink], and
// loads the records Run writes to the sink as they come, all in one
// transaction. A transform whose memory must not grow with its output (the
// survey transform writes a row per respondent and index) writes each batch
// as soon as it is made; one that computes everything at once writes its
// [Outputs] at the end with [Outputs.WriteTo].
//
// The helpers the transforms share for reading their inputs are here too:
// [Each] and [ReadAll] read a whole input, [Column], [NotNull],
// [StringColumn] and [IntColumn] find and check a batch's columns, and
// [Strings] and [Ints] read columns of whichever string or signed integer
// type the warehouse gives.
package transforms

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Inputs gives a transform its input streams. A transform opens one input at
// a time and releases it before opening the next: the warehouse streams one
// query result at a time. While an input is open the transform may write to
// its Sink. args are bound to the query's parameters ($1, $2, ...): a
// transform that reads a large input a part at a time (the survey, one
// school year per query) opens it once per part.
type Inputs interface {
	Open(ctx context.Context, name string, args ...any) (array.RecordReader, error)
}

// Each opens the input name with args, calls fn with each of its batches in
// order and releases the reader before it returns, so that the next input
// may be opened. fn does not keep a batch after it returns unless it
// retains it. It checks ctx before each batch. Errors are wrapped as
// "opening NAME: ..." and "reading NAME: ..." (fn's too).
func Each(ctx context.Context, in Inputs, name string, fn func(arrow.RecordBatch) error, args ...any) error {
	rdr, err := in.Open(ctx, name, args...)
	if err != nil {
		return fmt.Errorf("opening %s: %w", name, err)
	}
	defer rdr.Release()
	for rdr.Next() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		if err := fn(rdr.RecordBatch()); err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
	}
	if err := rdr.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}

// ReadAll reads the whole input name (opened with args) into memory and
// releases the reader, as [Each] does. The caller releases the batches
// returned; on error none are held.
func ReadAll(ctx context.Context, in Inputs, name string, args ...any) ([]arrow.RecordBatch, error) {
	var out []arrow.RecordBatch
	err := Each(ctx, in, name, func(b arrow.RecordBatch) error {
		b.Retain()
		out = append(out, b)
		return nil
	}, args...)
	if err != nil {
		for _, b := range out {
			b.Release()
		}
		return nil, err
	}
	return out, nil
}

// Sink receives a transform's output batches. Write loads (or holds) rec as
// a part of the output named output; it does not keep rec after it returns
// (a sink that holds it retains it), so the caller releases rec afterwards.
// Write may be called while an input is open, in any order across outputs,
// and a batch of zero rows is allowed. Records must have the schema of the
// output's table (columns matched by name).
type Sink interface {
	Write(ctx context.Context, output string, rec arrow.RecordBatch) error
	// Quarantine sets aside input rows that lenient mode skipped: the
	// runner stores them in restricted.quarantine under table (the stream
	// name of the input's table, e.g. "survey_responses", as the extract
	// step that landed it names its own rejects) and counts them by reason
	// in meta.data_quality. The rows stay until that table is next
	// extracted, which clears its quarantine; a failed attempt's rows are
	// rolled back with the step.
	Quarantine(ctx context.Context, table string, rows []Reject) error
}

// Reject is an input row set aside in lenient mode: where it came from
// (the file and 1-based data row the extract step recorded), the offending
// column, why, and the values needed to diagnose it. Values may hold
// personal data; they are stored only in the restricted schema and never
// logged.
type Reject struct {
	File   string
	Row    int64
	Column string
	Reason string
	Values map[string]string
}

// Outputs are a transform's results, by output name, for transforms that
// make them all before writing any.
type Outputs map[string]Output

// Output is one result table as records.
type Output struct {
	Records []arrow.RecordBatch
}

// Rows counts the output's rows.
func (o Output) Rows() int64 {
	var n int64
	for _, r := range o.Records {
		n += r.NumRows()
	}
	return n
}

// Release frees every record of every output.
func (o Outputs) Release() {
	for _, out := range o {
		for _, r := range out.Records {
			r.Release()
		}
	}
}

// WriteTo writes every record of every output to sink, outputs in name
// order, records in order. The caller still owns (and releases) o.
func (o Outputs) WriteTo(ctx context.Context, sink Sink) error {
	names := make([]string, 0, len(o))
	for n := range o {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, r := range o[n].Records {
			if err := sink.Write(ctx, n, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// Binding names the query that feeds an input, or the table that receives
// an output.
type Binding struct {
	Name string // the transform's own name for the input or output
	SQL  string // input: a query in sql/queries; output: a table in sql/tables, e.g. "core.gsp"
}

// Transform is a registered computation.
type Transform struct {
	// Doc is one line for --help and docs.
	Doc string
	// New returns a pointer to a config with defaults set; the pipeline
	// loader decodes the step's with: block into it.
	New     func() any
	Inputs  []Binding
	Outputs []Binding
	// Run computes the outputs and writes them to out, by the names in
	// Outputs. It may be called again after a failure (the step is retried,
	// and what it wrote before is rolled back), so it must not keep state
	// between calls. An output it writes nothing to is left empty.
	Run func(ctx context.Context, config any, in Inputs, out Sink) error
}

// Registry maps transform names to transforms.
type Registry struct {
	mu sync.RWMutex
	m  map[string]Transform
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: map[string]Transform{}} }

// Register adds t under name; it panics on a duplicate or incomplete entry,
// which is a programming error.
func (r *Registry) Register(name string, t Transform) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "" || t.New == nil || t.Run == nil {
		panic("transforms: Register with empty name or nil functions")
	}
	if _, dup := r.m[name]; dup {
		panic(fmt.Sprintf("transforms: Register called twice for %q", name))
	}
	r.m[name] = t
}

// Lookup returns the transform registered under name.
func (r *Registry) Lookup(name string) (Transform, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.m[name]
	return t, ok
}

// Names lists the registered transforms, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.m))
	for n := range r.m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Column returns the column of b named name. Its errors read "column NAME
// missing" and "column NAME appears N times".
func Column(b arrow.RecordBatch, name string) (arrow.Array, error) {
	idx := b.Schema().FieldIndices(name)
	switch {
	case len(idx) == 0:
		return nil, fmt.Errorf("column %s missing", name)
	case len(idx) > 1:
		return nil, fmt.Errorf("column %s appears %d times", name, len(idx))
	}
	return b.Column(idx[0]), nil
}

// NotNull reports the first null of col, the column named name, as "row R:
// column NAME is null" (R 1-based); nil when it has none.
func NotNull(col arrow.Array, name string) error {
	if col.NullN() == 0 {
		return nil
	}
	for i := range col.Len() {
		if col.IsNull(i) {
			return fmt.Errorf("row %d: column %s is null", i+1, name)
		}
	}
	return nil
}

// Strings reads a column of strings of any of the physical types a
// warehouse or a file may give them: string, large_string, string_view or
// a dictionary of one of those. Value returns a view of the column's
// buffers, valid while the column is; copy (strings.Clone) what is kept.
type Strings interface {
	Value(i int) string
	IsNull(i int) bool
}

type dictStrings struct {
	d *array.Dictionary
	v Strings
}

func (c dictStrings) Value(i int) string { return c.v.Value(c.d.GetValueIndex(i)) }
func (c dictStrings) IsNull(i int) bool  { return c.d.IsNull(i) }

// AsStrings returns a as [Strings], or false when it holds no strings.
func AsStrings(a arrow.Array) (Strings, bool) {
	switch a := a.(type) {
	case *array.String:
		return a, true
	case *array.LargeString:
		return a, true
	case *array.StringView:
		return a, true
	case *array.Dictionary:
		v, ok := AsStrings(a.Dictionary())
		if !ok {
			return nil, false
		}
		if _, nested := v.(dictStrings); nested {
			return nil, false
		}
		return dictStrings{a, v}, true
	}
	return nil, false
}

// StringAt returns a copy of the string at row i of a (see [Strings] for
// the types accepted); the error says "type T, want a string type".
func StringAt(a arrow.Array, i int) (string, error) {
	s, ok := AsStrings(a)
	if !ok {
		return "", fmt.Errorf("type %s, want a string type", a.DataType())
	}
	return strings.Clone(s.Value(i)), nil
}

// Ints reads a signed integer column of any width (int8 to int64) as
// int64.
type Ints struct {
	arr   arrow.Array
	value func(i int) int64
}

// Value returns the integer at row i (0 when it is null).
func (c Ints) Value(i int) int64 { return c.value(i) }

// IsNull reports whether row i is null.
func (c Ints) IsNull(i int) bool { return c.arr.IsNull(i) }

// AsInts returns a as [Ints], or false when it is not a signed integer
// column.
func AsInts(a arrow.Array) (Ints, bool) {
	switch a := a.(type) {
	case *array.Int8:
		return Ints{a, func(i int) int64 { return int64(a.Value(i)) }}, true
	case *array.Int16:
		return Ints{a, func(i int) int64 { return int64(a.Value(i)) }}, true
	case *array.Int32:
		return Ints{a, func(i int) int64 { return int64(a.Value(i)) }}, true
	case *array.Int64:
		return Ints{a, a.Value}, true
	}
	return Ints{}, false
}

// StringColumn returns the column of b named name as [Strings]: [Column],
// then unless nullable [NotNull], then a type check whose error reads
// "column NAME has type T, want a string type".
func StringColumn(b arrow.RecordBatch, name string, nullable bool) (Strings, error) {
	col, err := nonNullColumn(b, name, nullable)
	if err != nil {
		return nil, err
	}
	c, ok := AsStrings(col)
	if !ok {
		return nil, fmt.Errorf("column %s has type %s, want a string type", name, col.DataType())
	}
	return c, nil
}

// IntColumn returns the column of b named name as [Ints], checked as
// [StringColumn] checks; the type error reads "column NAME has type T,
// want a signed integer type".
func IntColumn(b arrow.RecordBatch, name string, nullable bool) (Ints, error) {
	col, err := nonNullColumn(b, name, nullable)
	if err != nil {
		return Ints{}, err
	}
	c, ok := AsInts(col)
	if !ok {
		return Ints{}, fmt.Errorf("column %s has type %s, want a signed integer type", name, col.DataType())
	}
	return c, nil
}

func nonNullColumn(b arrow.RecordBatch, name string, nullable bool) (arrow.Array, error) {
	col, err := Column(b, name)
	if err != nil {
		return nil, err
	}
	if !nullable {
		if err := NotNull(col, name); err != nil {
			return nil, err
		}
	}
	return col, nil
}
