// Package transforms defines how an indicator computation plugs into a
// pipeline. The computations themselves live in subpackages (gsp, and later
// sbi, survey) and are pure: Arrow records in, Arrow records out, no I/O, no
// clock, no globals, so they are tested with tables written in the test.
//
// A Transform binds such a computation to the warehouse: which named queries
// (sql/queries) feed its inputs and which tables (sql/tables) receive its
// outputs. The orchestration runner's transform step opens the inputs, calls
// Run, creates each output table from its definition and loads the records,
// all in one transaction.
package transforms

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Inputs gives a transform its input streams. A transform opens one input at
// a time and releases it before opening the next: the warehouse streams one
// query result at a time.
type Inputs interface {
	Open(ctx context.Context, name string) (array.RecordReader, error)
}

// Outputs are a transform's results, by output name.
type Outputs map[string]Output

// Output is one result table as records, with its schema (the schema is
// needed even when there are no records).
type Output struct {
	Schema  *arrow.Schema
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
	// Run computes the outputs. It may be called again after a failure (the
	// step is retried), so it must not keep state between calls.
	Run func(ctx context.Context, config any, in Inputs) (Outputs, error)
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
