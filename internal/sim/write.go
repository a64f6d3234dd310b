package sim

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// batchRows is how many rows a sink buffers before it writes them; the
// Parquet row groups are this long too.
const batchRows = 128 * 1024

// sink writes the rows of one table, in the order they are appended, to
// <dir>/<name>.parquet or .csv. It writes to a temporary name and renames on
// Close, so a killed generate never leaves a half file under the final name.
// Rows are appended through the builders of b; call flushIfFull after each
// row. A sink is used by one goroutine.
type sink struct {
	path, tmp string
	schema    *arrow.Schema
	b         *array.RecordBuilder
	f         *os.File
	pq        *pqarrow.FileWriter
	csv       *bufio.Writer
	rows      int64
	csvBuf    []byte
}

func newSink(dir, name, format string, schema *arrow.Schema) (*sink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	s := &sink{schema: schema, b: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
	s.path = filepath.Join(dir, name+"."+format)
	s.tmp = filepath.Join(dir, "."+name+"."+format+".tmp")
	f, err := os.Create(s.tmp)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", s.tmp, err)
	}
	s.f = f
	switch format {
	case "parquet":
		props := parquet.NewWriterProperties(
			parquet.WithCompression(compress.Codecs.Snappy),
			parquet.WithMaxRowGroupLength(batchRows),
			parquet.WithCreatedBy("skolestat sim"),
		)
		w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			f.Close()
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
		return nil, fmt.Errorf("unknown format %q: want parquet or csv", format)
	}
	return s, nil
}

// flushIfFull writes the buffered rows once there are batchRows of them.
func (s *sink) flushIfFull() error {
	if s.b.Field(0).Len() < batchRows {
		return nil
	}
	return s.flush()
}

func (s *sink) flush() error {
	n := s.b.Field(0).Len()
	if n == 0 {
		return nil
	}
	rec := s.b.NewRecordBatch()
	defer rec.Release()
	s.rows += int64(n)
	if s.pq != nil {
		if err := s.pq.Write(rec); err != nil {
			return fmt.Errorf("writing %s: %w", s.path, err)
		}
		return nil
	}
	return s.writeCSV(rec)
}

// writeCSV formats a record as CSV: empty field for null, no quoting needed
// since the simulator writes no separators, quotes or line breaks in values.
func (s *sink) writeCSV(rec arrow.RecordBatch) error {
	cols := rec.Columns()
	for r := 0; r < int(rec.NumRows()); r++ {
		buf := s.csvBuf[:0]
		for c, col := range cols {
			if c > 0 {
				buf = append(buf, ',')
			}
			if col.IsNull(r) {
				continue
			}
			switch a := col.(type) {
			case *array.String:
				buf = append(buf, a.Value(r)...)
			case *array.Int32:
				buf = strconv.AppendInt(buf, int64(a.Value(r)), 10)
			case *array.Int64:
				buf = strconv.AppendInt(buf, a.Value(r), 10)
			case *array.Float64:
				buf = strconv.AppendFloat(buf, a.Value(r), 'f', -1, 64)
			case *array.Boolean:
				buf = strconv.AppendBool(buf, a.Value(r))
			default:
				return fmt.Errorf("writing %s: no CSV format for %s", s.path, col.DataType())
			}
		}
		buf = append(buf, '\n')
		s.csvBuf = buf
		if _, err := s.csv.Write(buf); err != nil {
			return fmt.Errorf("writing %s: %w", s.path, err)
		}
	}
	return nil
}

// close writes what is left, closes the file and renames it into place.
func (s *sink) close() (FileSummary, error) {
	defer s.b.Release()
	if err := s.flush(); err != nil {
		s.abort()
		return FileSummary{}, err
	}
	var err error
	if s.pq != nil {
		err = s.pq.Close() // closes f too
	} else {
		if err = s.csv.Flush(); err == nil {
			err = s.f.Close()
		}
	}
	if err != nil {
		os.Remove(s.tmp)
		return FileSummary{}, fmt.Errorf("closing %s: %w", s.path, err)
	}
	if err := os.Rename(s.tmp, s.path); err != nil {
		return FileSummary{}, fmt.Errorf("renaming %s into place: %w", s.path, err)
	}
	return FileSummary{Path: s.path, Rows: s.rows}, nil
}

// abort removes the temporary file.
func (s *sink) abort() {
	s.f.Close()
	os.Remove(s.tmp)
}

// Typed appenders. Each takes the builder of the column at index i.

func (s *sink) str(i int, v string) { s.b.Field(i).(*array.StringBuilder).Append(v) }
func (s *sink) i32(i int, v int) {
	s.b.Field(i).(*array.Int32Builder).Append(int32(v))
}
func (s *sink) i64(i int, v int64, valid bool) {
	b := s.b.Field(i).(*array.Int64Builder)
	if valid {
		b.Append(v)
	} else {
		b.AppendNull()
	}
}
func (s *sink) f64(i int, v float64) {
	b := s.b.Field(i).(*array.Float64Builder)
	if math.IsNaN(v) {
		b.AppendNull()
	} else {
		b.Append(v)
	}
}
func (s *sink) boolean(i int, v bool) { s.b.Field(i).(*array.BooleanBuilder).Append(v) }
func (s *sink) null(i int)            { s.b.Field(i).AppendNull() }

// optI32 appends v, or null when v < 0.
func (s *sink) optI32(i int, v int) {
	if v < 0 {
		s.null(i)
		return
	}
	s.i32(i, v)
}

// optStr appends v, or null when v is "".
func (s *sink) optStr(i int, v string) {
	if v == "" {
		s.null(i)
		return
	}
	s.str(i, v)
}
