package microdata

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// parquetSource reads one Parquet file through pqarrow. Columns are matched
// by name; each must have a type that holds the column's Kind without loss
// (acceptsType), checked once for the file before any row is read.
type parquetSource struct {
	pf    *file.Reader
	rr    pqarrow.RecordReader
	kinds []Kind
	names []string
	rec   arrow.RecordBatch // owned by rr, valid until rr.Next
	cols  []arrow.Array     // cols[j]: the array of table column j in rec
	decs  []decoder         // decs[j]: decodes cols[j]
	i, n  int               // current row of rec, rows of rec
}

// decoder puts row i of its array into v. Types are checked before reading,
// so decoding a Parquet cell never fails; range and codes are checked later.
type decoder func(i int, v *value)

// openParquet opens f, checks its columns against t and starts reading.
func openParquet(ctx context.Context, f inputFile, t Table, mem memory.Allocator) (*parquetSource, error) {
	const format = "Parquet"
	pf, err := file.OpenParquetFile(f.path, false)
	if err != nil {
		return nil, unreadable(f.rel, format, err)
	}
	src := &parquetSource{pf: pf}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: batchRows}, mem)
	if err != nil {
		src.close()
		return nil, unreadable(f.rel, format, err)
	}
	schema, err := fr.Schema()
	if err != nil {
		src.close()
		return nil, unreadable(f.rel, format, err)
	}
	names := make([]string, schema.NumFields())
	for i, fd := range schema.Fields() {
		names[i] = fd.Name
	}
	pos, probs := matchColumns(t, names, func(c Column, i int) string {
		dt := schema.Field(i).Type
		if acceptsType(c.Kind, dt) {
			return ""
		}
		return fmt.Sprintf("wrong type: the file has %s, expected %s", dt, expectedTypes[c.Kind])
	})
	if len(probs) > 0 {
		src.close()
		return nil, &BadInputError{File: f.rel, Format: format, Problems: probs}
	}
	for _, c := range t.Columns {
		src.kinds = append(src.kinds, c.Kind)
		src.names = append(src.names, c.Name)
	}
	if pf.NumRows() == 0 {
		return src, nil
	}
	// Every accepted type is a leaf, so its leaf column is found by field.
	leaves := make([]int, len(pos))
	for j, i := range pos {
		leaves[j] = fr.Manifest.Fields[i].ColIndex
	}
	src.rr, err = fr.GetRecordReader(ctx, leaves, nil)
	if err != nil {
		src.close()
		return nil, unreadable(f.rel, format, err)
	}
	return src, nil
}

// expectedTypes names, per Kind, the Arrow types a Parquet column may have.
var expectedTypes = map[Kind]string{
	Int:    "int (int8, int16, int32, int64, uint8, uint16 or uint32)",
	String: "string (utf8, large_utf8 or a dictionary of those)",
	Float:  "float (float32 or float64)",
	Bool:   "bool",
}

// acceptsType says whether a column of type dt holds values of kind k
// without loss. uint64 is refused: most of its range fits no Int column.
func acceptsType(k Kind, dt arrow.DataType) bool {
	switch k {
	case Int:
		switch dt.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32:
			return true
		}
	case String:
		switch dt.ID() {
		case arrow.STRING, arrow.LARGE_STRING:
			return true
		case arrow.DICTIONARY:
			id := dt.(*arrow.DictionaryType).ValueType.ID()
			return id == arrow.STRING || id == arrow.LARGE_STRING
		}
	case Float:
		return dt.ID() == arrow.FLOAT32 || dt.ID() == arrow.FLOAT64
	case Bool:
		return dt.ID() == arrow.BOOL
	}
	return false
}

// valuer is the part of a typed Arrow array a decoder needs.
type valuer[T any] interface {
	IsNull(i int) bool
	Value(i int) T
}

func intDecoder[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32](a valuer[T]) decoder {
	return func(i int, v *value) {
		if a.IsNull(i) {
			v.null = true
			return
		}
		v.i = int64(a.Value(i))
	}
}

func floatDecoder[T float32 | float64](a valuer[T]) decoder {
	return func(i int, v *value) {
		if a.IsNull(i) {
			v.null = true
			return
		}
		v.f = float64(a.Value(i))
	}
}

func valueDecoder[T any](a valuer[T], set func(v *value, x T)) decoder {
	return func(i int, v *value) {
		if a.IsNull(i) {
			v.null = true
			return
		}
		set(v, a.Value(i))
	}
}

func setString(v *value, s string) { v.s = s }
func setBool(v *value, b bool)     { v.b = b }

// decoderFor returns the decoder of an array of an accepted type.
func decoderFor(arr arrow.Array) (decoder, error) {
	switch a := arr.(type) {
	case *array.Int8:
		return intDecoder(a), nil
	case *array.Int16:
		return intDecoder(a), nil
	case *array.Int32:
		return intDecoder(a), nil
	case *array.Int64:
		return intDecoder(a), nil
	case *array.Uint8:
		return intDecoder(a), nil
	case *array.Uint16:
		return intDecoder(a), nil
	case *array.Uint32:
		return intDecoder(a), nil
	case *array.Float32:
		return floatDecoder(a), nil
	case *array.Float64:
		return floatDecoder(a), nil
	case *array.Boolean:
		return valueDecoder(a, setBool), nil
	case *array.String:
		return valueDecoder(a, setString), nil
	case *array.LargeString:
		return valueDecoder(a, setString), nil
	case *array.Dictionary:
		dict, ok := a.Dictionary().(valuer[string])
		if !ok {
			break
		}
		return func(i int, v *value) {
			if a.IsNull(i) {
				v.null = true
				return
			}
			k := a.GetValueIndex(i)
			if dict.IsNull(k) {
				v.null = true
				return
			}
			v.s = dict.Value(k)
		}, nil
	}
	return nil, fmt.Errorf("reading Arrow type %s: no decoder", arr.DataType())
}

func (s *parquetSource) describe() string { return "Parquet" }

func (s *parquetSource) next() (bool, error) {
	s.i++
	for s.i >= s.n {
		if s.rr == nil || !s.rr.Next() {
			if s.rr != nil {
				return false, s.rr.Err()
			}
			return false, nil
		}
		if err := s.bind(s.rr.RecordBatch()); err != nil {
			return false, err
		}
	}
	return true, nil
}

// bind points the decoders at a new record of the file.
func (s *parquetSource) bind(rec arrow.RecordBatch) error {
	s.rec, s.i, s.n = rec, 0, int(rec.NumRows())
	s.cols, s.decs = s.cols[:0], s.decs[:0]
	for _, name := range s.names {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) != 1 {
			return fmt.Errorf("reading column %q: %d columns of that name in a record", name, len(idx))
		}
		arr := rec.Column(idx[0])
		dec, err := decoderFor(arr)
		if err != nil {
			return err
		}
		s.cols = append(s.cols, arr)
		s.decs = append(s.decs, dec)
	}
	return nil
}

func (s *parquetSource) line() int64        { return 0 }
func (s *parquetSource) rowProblem() string { return "" }

func (s *parquetSource) decode(j int, v *value) string {
	s.decs[j](s.i, v)
	return ""
}

// raw returns the row's non-null cells as text.
func (s *parquetSource) raw() map[string]string {
	m := make(map[string]string, len(s.names))
	for j, arr := range s.cols {
		if arr.IsNull(s.i) {
			continue
		}
		var v value
		s.decs[j](s.i, &v)
		if v.null {
			continue
		}
		m[s.names[j]] = arr.ValueStr(s.i)
	}
	return m
}

func (s *parquetSource) close() error {
	if s.rr != nil {
		s.rr.Release()
		s.rr = nil
	}
	return s.pf.Close()
}

var _ recordSource = (*parquetSource)(nil)

func (s *parquetSource) atRecordStart() bool { return s.i+1 >= s.n }

func (s *parquetSource) loadRecord() (arrow.RecordBatch, bool, error) {
	if s.rr == nil || !s.rr.Next() {
		if s.rr != nil {
			return nil, false, s.rr.Err()
		}
		return nil, false, nil
	}
	if err := s.bind(s.rr.RecordBatch()); err != nil {
		return nil, false, err
	}
	s.i = -1
	return s.rec, true, nil
}

func (s *parquetSource) columns() []arrow.Array { return s.cols }

func (s *parquetSource) decoders() []decoder { return s.decs }

func (s *parquetSource) consumeRecord() { s.i = s.n - 1 }
