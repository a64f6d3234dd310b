package sim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// batchRows is how many rows a sink buffers before it hands them to its
// writer; every Parquet row group is one batch.
const batchRows = 128 * 1024

// colKind says how a sink holds and encodes a column.
type colKind uint8

const (
	// colStr is a string column whose equal values come in runs (a pupil's
	// rows): consecutive repeats share an entry of a per-batch dictionary,
	// written as Parquet dictionary encoding without hashing. A value that
	// recurs after another makes a duplicate entry, which makes the writer
	// fall back to plain encoding for the row group: correct, but slower.
	colStr colKind = iota
	// colPlain is a string column of mostly distinct values, written plain.
	colPlain
	// colCode is a string column from a fixed vocabulary, appended by index.
	colCode
	colI32
	colI64
	colF64
	colBool
)

// colOpt overrides how a sink encodes the string column of that name.
type colOpt struct {
	name  string
	kind  colKind
	vocab []string
}

// vocab makes column name a colCode column over values.
func vocab(name string, values []string) colOpt {
	return colOpt{name: name, kind: colCode, vocab: values}
}

// plain makes column name a colPlain column.
func plain(name string) colOpt { return colOpt{name: name, kind: colPlain} }

// column is the fixed description of a sink's column.
type column struct {
	kind     colKind
	nullable bool
	vocab    []string
	remap    []int32 // colCode: vocabulary index -> 1 + local index in the batch, 0 = absent
}

// colBuf holds one column of a batch. The writer goroutine owns a batch once
// it is sent, so every batch gets fresh slices.
type colBuf struct {
	valid []bool  // one per row for nullable columns
	nulls int     // rows with valid false
	idx   []int32 // colStr, colCode: dictionary index per row
	data  []byte  // colStr, colPlain: value k is data[offs[k]:offs[k+1]]
	offs  []int32
	local []int32 // colCode: vocabulary index of each local dictionary entry
	i32   []int32
	i64   []int64
	f64   []float64
	b     []bool
}

type batch struct {
	n    int
	cols []colBuf
}

// sink writes the rows of one table, in the order they are appended, to
// <dir>/<name>.parquet or .csv. The generating goroutine appends a row
// through the typed appenders, one per column in schema order, and calls
// endRow; full batches go to a goroutine that encodes and writes them, so
// generation and encoding overlap. The file is written under a temporary
// name and renamed by close (or staged by staging.finish), so a killed
// generate never leaves a half file under the final name. A sink is fed by
// one goroutine; after newSink, exactly one of close, finish or abort.
type sink struct {
	path, tmp string
	cols      []column
	cur       *batch
	rows      int64 // rows handed to the writer
	ch        chan *batch
	done      chan struct{}
	failed    atomic.Bool
	err       error // set by the writer goroutine; read after done
	f         *os.File
	pq        *pqarrow.FileWriter
	csv       *bufio.Writer
	csvBuf    []byte
	closed    bool
}

func newSink(dir, name, format string, schema *arrow.Schema, opts ...colOpt) (*sink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	s := &sink{ch: make(chan *batch, 1), done: make(chan struct{})}
	s.path = filepath.Join(dir, name+"."+format)
	s.tmp = filepath.Join(dir, "."+name+"."+format+".tmp")
	props := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(batchRows),
		parquet.WithCreatedBy("skolestat sim"),
	}
	for _, fd := range schema.Fields() {
		c := column{nullable: fd.Nullable}
		switch fd.Type.ID() {
		case arrow.STRING:
			c.kind = colStr
		case arrow.INT32:
			c.kind = colI32
		case arrow.INT64:
			c.kind = colI64
		case arrow.FLOAT64:
			c.kind = colF64
		case arrow.BOOL:
			c.kind = colBool
		default:
			return nil, fmt.Errorf("creating %s: no sink column for type %s", s.path, fd.Type)
		}
		for _, o := range opts {
			if o.name == fd.Name {
				if c.kind != colStr {
					return nil, fmt.Errorf("creating %s: column %s is not a string", s.path, fd.Name)
				}
				c.kind, c.vocab = o.kind, o.vocab
				if o.kind == colCode {
					c.remap = make([]int32, len(o.vocab))
				}
				if o.kind == colPlain {
					props = append(props, parquet.WithDictionaryFor(fd.Name, false))
				}
			}
		}
		switch c.kind {
		case colStr, colCode:
			props = append(props, parquet.WithStatsFor(fd.Name, false))
		case colI32:
			// Years, grades and answers: delta encoding packs them into a
			// few bits without hashing, keeping min/max statistics.
			props = append(props, parquet.WithDictionaryFor(fd.Name, false),
				parquet.WithEncodingFor(fd.Name, parquet.Encodings.DeltaBinaryPacked))
		}
		s.cols = append(s.cols, c)
	}
	f, err := os.Create(s.tmp)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", s.tmp, err)
	}
	s.f = f
	switch format {
	case "parquet":
		w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(props...),
			pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			f.Close()
			os.Remove(s.tmp)
			return nil, fmt.Errorf("starting %s: %w", s.path, err)
		}
		s.pq = w
	case "csv":
		s.csv = bufio.NewWriterSize(f, 1<<20)
		for i, fd := range schema.Fields() {
			if i > 0 {
				s.csv.WriteByte(',')
			}
			s.csv.WriteString(fd.Name)
		}
		s.csv.WriteByte('\n')
	default:
		f.Close()
		os.Remove(s.tmp)
		return nil, fmt.Errorf("unknown format %q: want parquet or csv", format)
	}
	s.cur = s.newBatch(nil)
	go s.writer()
	return s, nil
}

// newBatch returns an empty batch sized like prev.
func (s *sink) newBatch(prev *batch) *batch {
	b := &batch{cols: make([]colBuf, len(s.cols))}
	for i, c := range s.cols {
		n := batchRows
		d := &b.cols[i]
		if c.nullable {
			d.valid = make([]bool, 0, n)
		}
		switch c.kind {
		case colStr, colPlain:
			size, entries := 9*n, n
			if prev != nil {
				size, entries = cap(prev.cols[i].data), cap(prev.cols[i].offs)
			}
			d.data = make([]byte, 0, size)
			d.offs = append(make([]int32, 0, entries), 0)
			if c.kind == colStr {
				d.idx = make([]int32, 0, n)
			}
		case colCode:
			d.idx = make([]int32, 0, n)
		case colI32:
			d.i32 = make([]int32, 0, n)
		case colI64:
			d.i64 = make([]int64, 0, n)
		case colF64:
			d.f64 = make([]float64, 0, n)
		case colBool:
			d.b = make([]bool, 0, n)
		}
	}
	return b
}

func (d *colBuf) setValid(c *column, ok bool) {
	if c.nullable {
		d.valid = append(d.valid, ok)
		if !ok {
			d.nulls++
		}
	}
}

// Typed appenders: each appends the value of column i of the current row.

// str appends a string.
func (s *sink) str(i int, v string) { appendStr(s, i, v) }

// id appends a pseudonymous id: prefix and eight hex digits of x.
func (s *sink) id(i int, prefix byte, x uint32) {
	var b [9]byte
	b[0] = prefix
	const hex = "0123456789abcdef"
	for k := 8; k >= 1; k-- {
		b[k] = hex[x&15]
		x >>= 4
	}
	appendStr(s, i, b[:])
}

func appendStr[T string | []byte](s *sink, i int, v T) {
	c, d := &s.cols[i], &s.cur.cols[i]
	d.setValid(c, true)
	k := len(d.offs) - 1
	if c.kind == colStr && k > 0 && string(d.data[d.offs[k-1]:]) == string(v) {
		d.idx = append(d.idx, int32(k-1))
		return
	}
	d.data = append(d.data, v...)
	d.offs = append(d.offs, int32(len(d.data)))
	if c.kind == colStr {
		d.idx = append(d.idx, int32(k))
	}
}

// code appends entry k of the column's vocabulary, or null when k < 0.
func (s *sink) code(i, k int) {
	c, d := &s.cols[i], &s.cur.cols[i]
	if k < 0 {
		d.setValid(c, false)
		d.idx = append(d.idx, 0)
		return
	}
	d.setValid(c, true)
	loc := c.remap[k]
	if loc == 0 {
		d.local = append(d.local, int32(k))
		loc = int32(len(d.local))
		c.remap[k] = loc
	}
	d.idx = append(d.idx, loc-1)
}

func (s *sink) i32(i int, v int) {
	d := &s.cur.cols[i]
	d.setValid(&s.cols[i], true)
	d.i32 = append(d.i32, int32(v))
}

// optI32 appends v, or null when v < 0.
func (s *sink) optI32(i int, v int) {
	d := &s.cur.cols[i]
	d.setValid(&s.cols[i], v >= 0)
	d.i32 = append(d.i32, int32(max(v, 0)))
}

func (s *sink) i64(i int, v int64, valid bool) {
	d := &s.cur.cols[i]
	d.setValid(&s.cols[i], valid)
	if !valid {
		v = 0
	}
	d.i64 = append(d.i64, v)
}

// f64 appends v, or null when v is NaN.
func (s *sink) f64(i int, v float64) {
	d := &s.cur.cols[i]
	ok := !math.IsNaN(v)
	d.setValid(&s.cols[i], ok)
	if !ok {
		v = 0
	}
	d.f64 = append(d.f64, v)
}

func (s *sink) boolean(i int, v bool) {
	d := &s.cur.cols[i]
	d.setValid(&s.cols[i], true)
	d.b = append(d.b, v)
}

// endRow ends the current row; a full batch goes to the writer. The error
// is the writer's, if it has failed.
func (s *sink) endRow() error {
	s.cur.n++
	if s.cur.n < batchRows {
		return nil
	}
	return s.flush()
}

func (s *sink) flush() error {
	if s.failed.Load() {
		return s.err // written before failed was set
	}
	if s.cur.n == 0 {
		return nil
	}
	for i := range s.cols {
		for _, k := range s.cur.cols[i].local {
			s.cols[i].remap[k] = 0
		}
	}
	s.rows += int64(s.cur.n)
	b := s.cur
	s.cur = s.newBatch(b)
	s.ch <- b
	return nil
}

// writer encodes and writes the batches sent to s.ch until it is closed.
// After a failure it drains the channel without writing.
func (s *sink) writer() {
	defer close(s.done)
	for b := range s.ch {
		if s.err != nil {
			continue
		}
		var err error
		if s.pq != nil {
			err = s.writeParquet(b)
		} else {
			err = s.writeCSV(b)
		}
		if err != nil {
			s.err = fmt.Errorf("writing %s: %w", s.path, err)
			s.failed.Store(true)
		}
	}
}

// finish writes what is left and closes the file, leaving it under its
// temporary name (s.tmp) for the caller to rename; on error it removes it.
func (s *sink) finish() (FileSummary, error) {
	err := s.flush()
	s.closed = true
	close(s.ch)
	<-s.done
	if err == nil {
		err = s.err
	}
	if err != nil {
		if s.pq != nil {
			s.pq.Close()
		}
		s.f.Close()
		os.Remove(s.tmp)
		return FileSummary{}, err
	}
	if s.pq != nil {
		err = s.pq.Close() // closes f too
	} else if err = s.csv.Flush(); err == nil {
		err = s.f.Close()
	}
	if err != nil {
		os.Remove(s.tmp)
		return FileSummary{}, fmt.Errorf("closing %s: %w", s.path, err)
	}
	return FileSummary{Path: s.path, Rows: s.rows}, nil
}

// staging holds the files of one Generate under their temporary names until
// all are written: commit renames them into place together, so that a
// failed or cancelled run leaves the folder as it was (a kill during the
// renames themselves aside), never a mix of two runs.
type staging struct{ tmp, final []string }

// finish finishes sink s and stages its file.
func (st *staging) finish(s *sink) (FileSummary, error) {
	fs, err := s.finish()
	if err == nil {
		st.tmp, st.final = append(st.tmp, s.tmp), append(st.final, s.path)
	}
	return fs, err
}

// writeJSON stages v, indented, as the file path.
func (st *staging) writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	st.tmp, st.final = append(st.tmp, tmp), append(st.final, path)
	return nil
}

// commit renames every staged file into place.
func (st *staging) commit() error {
	for i, tmp := range st.tmp {
		if err := os.Rename(tmp, st.final[i]); err != nil {
			st.tmp = st.tmp[i:]
			st.discard()
			return fmt.Errorf("renaming %s into place: %w", st.final[i], err)
		}
	}
	st.tmp = nil
	return nil
}

// discard removes the staged files not yet renamed.
func (st *staging) discard() {
	for _, tmp := range st.tmp {
		os.Remove(tmp)
	}
	st.tmp = nil
}

// abort stops the writer and removes the temporary file.
func (s *sink) abort() {
	if !s.closed {
		s.closed = true
		close(s.ch)
		<-s.done
	}
	s.f.Close()
	os.Remove(s.tmp)
}

// writeParquet writes a batch as one row group.
func (s *sink) writeParquet(b *batch) error {
	if err := s.pq.NewRowGroupChecked(); err != nil {
		return err
	}
	for i := range s.cols {
		arr := s.arrowColumn(i, b)
		err := s.pq.WriteColumnData(arr)
		arr.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

var (
	dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
)

// arrowColumn makes the Arrow array of column i of a batch over its slices.
// String columns with a dictionary become dictionary arrays, which the
// Parquet writer encodes directly, without hashing. (It would hash the
// indices to compute statistics, so those columns have none.)
func (s *sink) arrowColumn(i int, b *batch) arrow.Array {
	c, d := &s.cols[i], &b.cols[i]
	n := b.n
	valid := validity(d, n)
	switch c.kind {
	case colStr:
		return dictionaryArray(dictString, d.idx, valid, d.nulls, stringArray(d.data, d.offs))
	case colCode:
		var data []byte
		offs := []int32{0}
		for _, k := range d.local {
			data = append(data, c.vocab[k]...)
			offs = append(offs, int32(len(data)))
		}
		return dictionaryArray(dictString, d.idx, valid, d.nulls, stringArray(data, offs))
	case colPlain:
		return array.MakeFromData(array.NewData(arrow.BinaryTypes.String, n,
			[]*memory.Buffer{valid, int32Buffer(d.offs), memory.NewBufferBytes(nonNil(d.data))}, nil, d.nulls, 0))
	case colI32:
		return array.MakeFromData(array.NewData(arrow.PrimitiveTypes.Int32, n,
			[]*memory.Buffer{valid, int32Buffer(d.i32)}, nil, d.nulls, 0))
	case colI64:
		return array.MakeFromData(array.NewData(arrow.PrimitiveTypes.Int64, n,
			[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(d.i64))}, nil, d.nulls, 0))
	case colF64:
		return array.MakeFromData(array.NewData(arrow.PrimitiveTypes.Float64, n,
			[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(d.f64))}, nil, d.nulls, 0))
	default: // colBool
		bits := make([]byte, bitutil.BytesForBits(int64(n)))
		for r, v := range d.b {
			if v {
				bitutil.SetBit(bits, r)
			}
		}
		return array.MakeFromData(array.NewData(arrow.FixedWidthTypes.Boolean, n,
			[]*memory.Buffer{valid, memory.NewBufferBytes(bits)}, nil, d.nulls, 0))
	}
}

func validity(d *colBuf, n int) *memory.Buffer {
	if d.valid == nil || d.nulls == 0 {
		return nil
	}
	bits := make([]byte, bitutil.BytesForBits(int64(n)))
	for r, ok := range d.valid {
		if ok {
			bitutil.SetBit(bits, r)
		}
	}
	return memory.NewBufferBytes(bits)
}

func int32Buffer(xs []int32) *memory.Buffer {
	return memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(xs))
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// stringArray makes a string array of the values data[offs[k]:offs[k+1]];
// an empty one gets the value "" so that null rows have an index to point at.
func stringArray(data []byte, offs []int32) arrow.Array {
	if len(offs) < 2 {
		offs = []int32{0, 0}
	}
	return array.MakeFromData(array.NewData(arrow.BinaryTypes.String, len(offs)-1,
		[]*memory.Buffer{nil, int32Buffer(offs), memory.NewBufferBytes(nonNil(data))}, nil, 0, 0))
}

func dictionaryArray(typ arrow.DataType, idx []int32, valid *memory.Buffer, nulls int, dict arrow.Array) arrow.Array {
	indices := array.MakeFromData(array.NewData(arrow.PrimitiveTypes.Int32, len(idx),
		[]*memory.Buffer{valid, int32Buffer(idx)}, nil, nulls, 0))
	a := array.NewDictionaryArray(typ, indices, dict)
	indices.Release()
	dict.Release()
	return a
}

// writeCSV formats a batch as CSV: empty field for null, no quoting needed
// since the simulator writes no separators, quotes or line breaks in values.
func (s *sink) writeCSV(b *batch) error {
	for r := range b.n {
		buf := s.csvBuf[:0]
		for i := range s.cols {
			c, d := &s.cols[i], &b.cols[i]
			if i > 0 {
				buf = append(buf, ',')
			}
			if c.nullable && !d.valid[r] {
				continue
			}
			switch c.kind {
			case colStr:
				k := d.idx[r]
				buf = append(buf, d.data[d.offs[k]:d.offs[k+1]]...)
			case colPlain:
				buf = append(buf, d.data[d.offs[r]:d.offs[r+1]]...)
			case colCode:
				buf = append(buf, c.vocab[d.local[d.idx[r]]]...)
			case colI32:
				buf = strconv.AppendInt(buf, int64(d.i32[r]), 10)
			case colI64:
				buf = strconv.AppendInt(buf, d.i64[r], 10)
			case colF64:
				buf = strconv.AppendFloat(buf, d.f64[r], 'f', -1, 64)
			case colBool:
				buf = strconv.AppendBool(buf, d.b[r])
			}
		}
		buf = append(buf, '\n')
		s.csvBuf = buf
		if _, err := s.csv.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
