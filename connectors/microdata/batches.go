package microdata

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors"
)

// rowSource is one open input file, read a row at a time. Format readers
// (csvSource, parquetSource) decode cells; batches checks them.
type rowSource interface {
	// next advances to the next data row; false at the end of the file or
	// on an error.
	next() (bool, error)
	// rowProblem is what is wrong with the current row as a whole, or "";
	// when set, decode must not be called for the row.
	rowProblem() string
	// decode puts table column j of the current row into v (zeroed by the
	// caller), or returns why the cell is no value of the column's Kind.
	decode(j int, v *value) string
	// line is the current row's first line in the file, 0 when not known.
	line() int64
	// raw returns the current row's non-null cells as text, by column name.
	raw() map[string]string
	// describe says how the file is read, for error messages.
	describe() string
	close() error
}

// batches reads the files of one table in order and yields records of
// batchRows rows (records may span files). It implements connectors.Batches
// and connectors.Rejecter.
//
// Strict: at the first bad row of a file it stops yielding records, scans
// the rest of that file to count every bad row, and then ends with a
// *BadInputError; the rows gathered for the unfinished record are dropped.
// Lenient: bad rows are left out and kept for Rejects. Structural problems
// end the stream with an error in both modes.
type batches struct {
	ctx     context.Context
	table   Table
	files   []inputFile
	lenient bool
	src     *Source
	schema  *arrow.Schema
	ck      *checker

	refs    atomic.Int64
	b       *array.RecordBuilder
	appends []func(v *value) // appends[j] appends a value to column j
	fileCol *array.StringBuilder
	rowCol  *array.Int64Builder
	cur     arrow.RecordBatch

	next    int       // index in files of the next file to open
	in      rowSource // the open file, or nil
	inFile  inputFile
	row     int64  // data rows read from the open file
	bad     *tally // strict: the bad rows of the open file, once one is found
	vals    []value
	ok      []bool
	probs   []problem
	rejects []connectors.Reject
	err     error
	done    bool
	closed  bool
	wholes  int // records taken whole by the fast path (for tests)
}

func newBatches(ctx context.Context, s *Source, t Table, files []inputFile) *batches {
	b := &batches{
		ctx:     ctx,
		table:   t,
		files:   files,
		lenient: s.cfg.Lenient,
		src:     s,
		schema:  OutputSchema(t),
		ck:      newChecker(t),
		vals:    make([]value, len(t.Columns)),
		ok:      make([]bool, len(t.Columns)),
	}
	b.refs.Store(1)
	b.b = array.NewRecordBuilder(s.mem, b.schema)
	b.b.Reserve(batchRows)
	for j, c := range t.Columns {
		b.appends = append(b.appends, appender(c.Kind, b.b.Field(j)))
	}
	n := len(t.Columns)
	b.fileCol = b.b.Field(n).(*array.StringBuilder)
	b.rowCol = b.b.Field(n + 1).(*array.Int64Builder)
	return b
}

// appender returns a function appending a checked value to a builder of the
// column's canonical type.
func appender(k Kind, fb array.Builder) func(v *value) {
	switch k {
	case Int:
		switch ib := fb.(type) {
		case *array.Int32Builder:
			return func(v *value) {
				if v.null {
					ib.AppendNull()
				} else {
					ib.Append(int32(v.i)) // checked to be within int32 by columnCheck
				}
			}
		case *array.Int64Builder:
			return func(v *value) {
				if v.null {
					ib.AppendNull()
				} else {
					ib.Append(v.i)
				}
			}
		}
	case Float:
		fb := fb.(*array.Float64Builder)
		return func(v *value) {
			if v.null {
				fb.AppendNull()
			} else {
				fb.Append(v.f)
			}
		}
	case Bool:
		bb := fb.(*array.BooleanBuilder)
		return func(v *value) {
			if v.null {
				bb.AppendNull()
			} else {
				bb.Append(v.b)
			}
		}
	case String:
		sb := fb.(*array.StringBuilder)
		return func(v *value) {
			if v.null {
				sb.AppendNull()
			} else {
				sb.Append(v.s)
			}
		}
	}
	panic(fmt.Sprintf("microdata: no appender for %s into %T", k, fb))
}

func (b *batches) Schema() *arrow.Schema { return b.schema }

// RecordBatch is the record Next made current; it is valid until the next
// call to Next or Close. Retain it to keep it longer.
func (b *batches) RecordBatch() arrow.RecordBatch { return b.cur }

// Deprecated: Use RecordBatch instead.
func (b *batches) Record() arrow.RecordBatch { return b.cur }

func (b *batches) Err() error { return b.err }

// Checkpoint is nil: files are read whole on every run.
func (b *batches) Checkpoint() connectors.Checkpoint { return nil }

// Rejects are the rows lenient reading set aside, in file and row order.
func (b *batches) Rejects() []connectors.Reject { return b.rejects }

func (b *batches) Retain() { b.refs.Add(1) }

func (b *batches) Release() {
	if b.refs.Add(-1) == 0 {
		b.Close()
	}
}

// Close releases the current record and closes the open file. It is safe
// to call more than once; Next returns false afterwards.
func (b *batches) Close() error {
	if b.closed {
		return nil
	}
	b.closed, b.done = true, true
	if b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
	b.b.Release()
	if b.in != nil {
		err := b.in.close()
		b.in = nil
		if err != nil {
			return fmt.Errorf("closing %s: %w", b.inFile.rel, err)
		}
	}
	return nil
}

// Next reads rows until a record is full or the files end. It returns false
// at the end, after an error (see Err) and after Close.
func (b *batches) Next() bool {
	if b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
	if b.done {
		return false
	}
	for b.b.Field(0).Len() < batchRows {
		if rec, flush, err := b.whole(); err != nil {
			b.fail(err)
			return false
		} else if rec != nil {
			b.cur = rec
			return true
		} else if flush {
			break
		}
		more, err := b.step()
		if err != nil {
			b.fail(err)
			return false
		}
		if !more {
			b.done = true
			break
		}
	}
	if b.b.Field(0).Len() == 0 {
		return false
	}
	b.cur = b.b.NewRecordBatch()
	b.b.Reserve(batchRows)
	return true
}

// fail ends the stream with err and drops the rows of the unfinished record.
func (b *batches) fail(err error) {
	b.err, b.done = err, true
	if b.in != nil {
		b.in.close()
		b.in = nil
	}
	rec := b.b.NewRecordBatch()
	rec.Release()
}

// whole tries the columnar fast path (columnar.go) at a record boundary of
// a Parquet file: it returns the next record of the file, checked in bulk
// and in the canonical types, or nil when the rows must go through step.
// flush asks Next to yield the rows gathered so far first, so that the
// records after a bad row line up with the file's again. Nothing is taken
// whole once the open file has failed (strict), since then only counting
// goes on.
func (b *batches) whole() (rec arrow.RecordBatch, flush bool, err error) {
	for {
		if b.in == nil {
			if b.next == len(b.files) {
				return nil, false, nil
			}
			if err := b.ctx.Err(); err != nil {
				return nil, false, fmt.Errorf("reading table %s: %w", b.table.Name, err)
			}
			if err := b.open(b.files[b.next]); err != nil {
				return nil, false, err
			}
			b.next++
		}
		rs, ok := b.in.(recordSource)
		if !ok || b.bad != nil || !rs.atRecordStart() {
			return nil, false, nil
		}
		if b.b.Field(0).Len() > 0 {
			return nil, true, nil
		}
		in, more, err := rs.loadRecord()
		if err != nil {
			return nil, false, unreadable(b.inFile.rel, b.in.describe(), err)
		}
		if !more {
			if err := b.endFile(); err != nil {
				return nil, false, err
			}
			continue
		}
		n := in.NumRows()
		if n == 0 {
			rs.consumeRecord()
			continue
		}
		if err := b.ctx.Err(); err != nil {
			return nil, false, fmt.Errorf("reading %s: %w", b.inFile.rel, err)
		}
		if !b.ck.cleanRecord(rs.columns(), rs.decoders()) {
			return nil, false, nil // the row path reads this record from its first row
		}
		rec := canonicalRecord(b.src.mem, b.schema, rs.columns(), b.inFile.rel, b.row+1)
		rs.consumeRecord()
		b.row += n
		b.wholes++
		return rec, false, nil
	}
}

// ctxEvery is how many rows are read between checks of the context.
const ctxEvery = 4096

// step reads one row (opening the next file when needed). It returns false
// when every file has been read.
func (b *batches) step() (bool, error) {
	if b.in == nil {
		if b.next == len(b.files) {
			return false, nil
		}
		if err := b.ctx.Err(); err != nil {
			return false, fmt.Errorf("reading table %s: %w", b.table.Name, err)
		}
		if err := b.open(b.files[b.next]); err != nil {
			return false, err
		}
		b.next++
	}
	more, err := b.in.next()
	if err != nil {
		return false, unreadable(b.inFile.rel, b.in.describe(), err)
	}
	if !more {
		return true, b.endFile()
	}
	b.row++
	if b.row%ctxEvery == 0 {
		if err := b.ctx.Err(); err != nil {
			return false, fmt.Errorf("reading %s: %w", b.inFile.rel, err)
		}
	}
	b.checkRow()
	return true, nil
}

func (b *batches) open(f inputFile) error {
	var (
		in  rowSource
		err error
	)
	switch f.kind {
	case kindParquet:
		in, err = openParquet(b.ctx, f, b.table, b.src.mem)
	default:
		in, err = openCSV(f, b.table)
	}
	if err != nil {
		return err
	}
	b.in, b.inFile, b.row, b.bad = in, f, 0, nil
	return nil
}

// endFile closes the open file; in strict mode a file with bad rows ends
// the stream here, once all of them are counted.
func (b *batches) endFile() error {
	in := b.in
	b.in = nil
	if err := in.close(); err != nil {
		return fmt.Errorf("closing %s: %w", b.inFile.rel, err)
	}
	if b.bad != nil {
		return b.bad.err(b.inFile.rel, in.describe())
	}
	return nil
}

// checkRow decodes and checks the current row, then appends it, rejects it
// (lenient) or counts it (strict).
func (b *batches) checkRow() {
	probs := b.probs[:0]
	if p := b.in.rowProblem(); p != "" {
		probs = append(probs, problem{reason: p})
	} else {
		for j := range b.vals {
			v := &b.vals[j]
			*v = value{}
			reason := b.in.decode(j, v)
			if reason == "" {
				reason = b.ck.cols[j].check(v)
			}
			b.ok[j] = reason == ""
			if reason != "" {
				probs = append(probs, problem{column: b.ck.cols[j].col.Name, reason: reason})
			}
		}
		probs = b.ck.applyRules(b.vals, b.ok, probs)
	}
	b.probs = probs
	switch {
	case len(probs) == 0 && b.bad == nil:
		for j, app := range b.appends {
			app(&b.vals[j])
		}
		b.fileCol.Append(b.inFile.rel)
		b.rowCol.Append(b.row)
	case len(probs) == 0:
		// strict, the file has failed: only counting from here on
	case b.lenient:
		b.rejects = append(b.rejects, b.reject(probs))
	default:
		if b.bad == nil {
			b.bad = &tally{}
		}
		b.bad.add(RowRef{Row: b.row, Line: b.in.line()}, probs)
	}
}

// reject describes a bad row. A row with problems in several columns is
// reported with Column "" and every problem in Reason.
func (b *batches) reject(probs []problem) connectors.Reject {
	rj := connectors.Reject{Stream: b.table.Name, File: b.inFile.rel, Row: b.row, Values: b.in.raw()}
	if len(probs) == 1 {
		rj.Column, rj.Reason = probs[0].column, probs[0].reason
		return rj
	}
	parts := make([]string, len(probs))
	for i, p := range probs {
		parts[i] = p.reason
		if p.column != "" {
			parts[i] = p.column + ": " + p.reason
		}
	}
	rj.Reason = strings.Join(parts, "; ")
	return rj
}

// unreadable classifies an error met while reading a file's content. An
// error of the file system (a *fs.PathError) is returned wrapped: it may
// pass. Anything else means the content cannot be decoded (corrupt gzip or
// Parquet, malformed CSV quoting) and is bad input.
func unreadable(rel, format string, err error) error {
	var bad *BadInputError
	if errors.As(err, &bad) {
		return err
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return fmt.Errorf("reading %s: %w", rel, err)
	}
	return &BadInputError{File: rel, Format: format, Problems: []Problem{{Reason: "not readable"}}, Err: err}
}
