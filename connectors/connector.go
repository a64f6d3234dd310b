// Package connectors defines the contract every source of data implements,
// and the registry that pipeline files name sources from.
//
// The protocol, from the caller's side (the orchestration runner's extract
// step):
//
//  1. The runner looks up the connector named in the pipeline file, decodes the
//     step's `with:` block into the connector's config type (unknown keys are
//     errors) and calls its constructor.
//  2. It calls Streams once to learn what the source offers.
//  3. For each stream it lands, it calls Read with the checkpoint it stored
//     after the last published run (nil on the first run), drains the returned
//     Batches, checks Err, and calls Close. Nothing read is visible to anyone
//     until the run publishes; a failed run therefore needs no undo.
//  4. Optional capabilities are separate interfaces found by type assertion
//     (Rejecter on Batches), never flags on Source.
//
// Connectors never retry, sleep or rate-limit on their own: the shared HTTP
// client and the runner's step retries do that.
package connectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/internal/httpclient"
)

// Stream is one named sequence of records a source offers.
type Stream struct {
	Name        string
	Description string
	// Schema is the schema of the records Read yields for this stream.
	Schema *arrow.Schema
	// Restricted streams carry personal data. The runner lands them only in
	// the warehouse's restricted schema, which is never exported or served.
	Restricted bool
	// Optional streams may be absent from the source; Read then returns
	// ErrStreamAbsent and the runner lands nothing for it.
	Optional bool
}

// Checkpoint is an opaque position in a stream, owned by the connector. The
// runner stores it in the same transaction as the data read up to it.
type Checkpoint []byte

// Batches is what Read returns: an Arrow record reader plus the end state.
//
// The caller calls Next until it returns false, then Err. A non-nil Err means
// the stream could not be read completely and nothing of it may be published.
// Close releases everything; it is safe to call more than once.
type Batches interface {
	array.RecordReader
	Err() error
	// Checkpoint is the position after the last record returned. Valid only
	// after Next has returned false and Err is nil.
	Checkpoint() Checkpoint
	Close() error
}

// Rejecter is implemented by Batches that set aside bad rows instead of
// failing (lenient reading). Valid after Next has returned false.
type Rejecter interface {
	Rejects() []Reject
}

// Unchanger is implemented by Batches that can tell that the stream has
// not changed since the checkpoint it was read from. Valid once Next has
// returned false: when Unchanged is true, Next yielded no record, and the
// runner keeps what it landed before and rewrites nothing.
type Unchanger interface {
	Unchanged() bool
}

// Checker is implemented by sources that can tell, with one cheap request,
// whether their service answers in the shape the connector expects.
// `skolestat sources check` calls it; it returns the endpoint it tried and
// nil or what went wrong (a *PayloadError for a wrong shape).
type Checker interface {
	Check(ctx context.Context) (endpoint string, err error)
}

// Reject is one row set aside, with where it came from and why.
type Reject struct {
	Stream string
	File   string
	Row    int64  // 1-based data row in File (the header is not a row)
	Column string // the offending column, or "" when the row as a whole is bad
	Reason string
	// Values holds the row's raw values by column name, for diagnosis.
	// It may hold personal data: it is stored only in the restricted schema.
	Values map[string]string
}

// Constrained is implemented by sources whose streams have keys and
// references that must hold across everything landed. The runner checks
// them in the warehouse after every stream of the step has landed (a key
// over millions of rows is a job for SQL, not for a reader's memory), and
// reports violations like any bad row: the run fails, or, for a lenient
// source, the rows go to quarantine. The checks name rows by source_file
// and source_row, so only restricted streams whose tables carry those
// columns (the microdata) may declare constraints; an API connector checks
// its keys while reading, where the rows are in memory anyway.
type Constrained interface {
	Constraints() []Constraint
}

// Constraint is a key (Key set) or a reference (References set) on a stream.
type Constraint struct {
	Stream string
	// Key lists the columns that identify a row: a repeated key is bad input.
	Key []string
	// References: the values of Columns must exist in stream To's ToColumns.
	Columns   []string
	To        string
	ToColumns []string
	// Lenient says violations are quarantined instead of failing the run.
	Lenient bool
}

// Source is a connector instance, configured and ready to read.
type Source interface {
	Streams(ctx context.Context) ([]Stream, error)
	// Read opens stream from the given checkpoint (nil: from the start).
	Read(ctx context.Context, stream string, from Checkpoint) (Batches, error)
}

// ErrStreamAbsent is returned by Read for an optional stream the source does
// not hold this time. It is not a failure.
var ErrStreamAbsent = errors.New("stream absent")

// Factory builds a Source from its decoded config. Config is a pointer to the
// value New returned, filled from the pipeline file.
type Factory struct {
	// Doc is one line for `--help` and docs.
	Doc string
	// New returns a pointer to a zero config with defaults set. The pipeline
	// loader decodes the step's `with:` block into it strictly.
	New func() any
	// Build turns the filled config into a Source, with what the run
	// provides (env).
	Build func(config any, env Env) (Source, error)
	// Rates are the request limits the source's API documents, by host
	// (e.g. data.ssb.no: 30 a minute). The runner sets them on the shared
	// client, so they hold across every step that reads the host.
	Rates map[string]httpclient.Rate
}

// Build makes a Factory.Build from a connector's constructor: it checks
// that the decoded config is a *C and calls build with it. On an error it
// returns a nil Source, not a nil *S inside the interface.
func Build[C any, S Source](name string, build func(cfg C, env Env) (S, error)) func(any, Env) (Source, error) {
	return func(config any, env Env) (Source, error) {
		cfg, ok := config.(*C)
		if !ok {
			var want *C
			return nil, fmt.Errorf("%s: config is %T, want %T", name, config, want)
		}
		src, err := build(*cfg, env)
		if err != nil {
			return nil, err
		}
		return src, nil
	}
}

// Rates merges the request limits of every registered factory.
func (r *Registry) Rates() map[string]httpclient.Rate {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := map[string]httpclient.Rate{}
	for _, f := range r.factories {
		for host, rate := range f.Rates {
			out[host] = rate
		}
	}
	return out
}

// Env is what the runner gives every source it builds.
type Env struct {
	// HTTP is the run's shared client. A source that reads a web API
	// fetches through it and nothing else: retries, backoff, rate limits
	// and size limits live there.
	HTTP *httpclient.Client
	// Logger is the step's logger.
	Logger *slog.Logger
}

// Log is the step's logger, or one that discards when the run gave none.
func (e Env) Log() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// Registry maps connector names to factories. Tests build their own; the
// binary uses Default.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{factories: map[string]Factory{}} }

// Default is the registry the binary uses; connector packages register into
// it from init.
var Default = NewRegistry()

// Register adds a factory. It panics on an empty or duplicate name, as
// database/sql.Register does: both are programming errors.
func (r *Registry) Register(name string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "" || f.New == nil || f.Build == nil {
		panic("connectors: Register with empty name or nil constructor")
	}
	if _, dup := r.factories[name]; dup {
		panic(fmt.Sprintf("connectors: Register called twice for %q", name))
	}
	r.factories[name] = f
}

// Lookup returns the factory registered under name.
func (r *Registry) Lookup(name string) (Factory, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.factories[name]
	return f, ok
}

// Names lists the registered connectors, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PayloadError is a response that is not the shape its API documents: bad
// JSON, a missing field, a wrong type, counts that do not add up. It names
// the source, the endpoint and the field, and carries the payload so that
// the runner can keep it for diagnosis. Trying again will not help, so it
// is bad input (exit code 2) and not retried.
type PayloadError struct {
	Source   string
	Endpoint string
	Field    string // the offending field, as a path ("EnhetListe[3].Kommunenummer"); "" for the whole payload
	Err      error
	Payload  []byte
}

func (e *PayloadError) Error() string {
	field := ""
	if e.Field != "" {
		field = " field " + e.Field + ":"
	}
	return fmt.Sprintf("%s: unexpected response from %s:%s %v", e.Source, e.Endpoint, field, e.Err)
}

func (e *PayloadError) Unwrap() error { return e.Err }

// BadInput marks the error as bad input for the runner and the exit code.
func (e *PayloadError) BadInput() bool { return true }
