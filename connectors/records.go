package connectors

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Records returns Batches over records a source has already read whole (an
// API connector reads its answers before yielding anything): they yield
// recs in order, Err is nil and Checkpoint is cp. The records are retained,
// so the caller may release its own references; Close releases them, once.
func Records(schema *arrow.Schema, recs []arrow.RecordBatch, cp Checkpoint) (Batches, error) {
	rdr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		return nil, fmt.Errorf("collecting records: %w", err)
	}
	return &records{RecordReader: rdr, cp: cp}, nil
}

// NothingChanged returns Batches that yield no record and report Unchanged
// (see Unchanger), with cp, the checkpoint the source was read from.
func NothingChanged(schema *arrow.Schema, cp Checkpoint) Batches {
	rdr, _ := array.NewRecordReader(schema, nil) // no records: cannot fail
	return &records{RecordReader: rdr, cp: cp, unchanged: true}
}

// records is what Records and NothingChanged return.
type records struct {
	array.RecordReader
	cp        Checkpoint
	unchanged bool
	closed    bool
}

var _ Unchanger = (*records)(nil)

func (r *records) Err() error             { return nil }
func (r *records) Checkpoint() Checkpoint { return r.cp }
func (r *records) Unchanged() bool        { return r.unchanged }

func (r *records) Close() error {
	if !r.closed {
		r.closed = true
		r.Release()
	}
	return nil
}

// BaseURL is the base URL an API connector's config names, with def when
// it names none, without a trailing slash. connector is for the message.
func BaseURL(connector, raw, def string) (string, error) {
	if raw == "" {
		raw = def
	}
	if _, err := url.Parse(raw); err != nil {
		return "", fmt.Errorf("%s: base_url %q: %w", connector, raw, err)
	}
	return strings.TrimRight(raw, "/"), nil
}
