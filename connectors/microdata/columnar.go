package microdata

import (
	"math"
	"slices"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// This file is the columnar fast path for Parquet. A record of a Parquet
// file is checked a column at a time (a dictionary column once per
// dictionary entry) and, when every check passes, handed on with its
// columns in the canonical types, the arrays reused where the file already
// has them. A record that fails any check is read again by the row path
// (batches.checkRow), which is the one that names rows, columns and reasons:
// the fast path only ever answers "certainly clean" or "look closer", so
// the two paths cannot disagree about what is accepted.

// recordSource is a rowSource that can also hand over whole records.
// Between loadRecord and consumeRecord the record's rows are still unread:
// a caller that does not consume it reads them with next.
type recordSource interface {
	rowSource
	// atRecordStart says that no row of the current record is left unread.
	atRecordStart() bool
	// loadRecord makes the next record of the file current, before its
	// first row, and returns it (owned by the source); false at the end.
	loadRecord() (arrow.RecordBatch, bool, error)
	// columns are the current record's arrays in table-column order, and
	// decoders the decoders of those arrays.
	columns() []arrow.Array
	decoders() []decoder
	// consumeRecord marks every row of the current record as read.
	consumeRecord()
}

// cleanRecord says whether every row of cols (arrays in table-column order)
// passes every column check and row rule of ck. False means only that the
// row path must look: it may be a value that the fast path does not
// examine in bulk (such as a dictionary entry no row uses).
func (ck *checker) cleanRecord(cols []arrow.Array, decs []decoder) bool {
	for j, arr := range cols {
		if !ck.cols[j].cleanArray(arr) {
			return false
		}
	}
	if len(ck.rules) == 0 {
		return true
	}
	// Row rules see decoded values, as in the row path; every column has
	// passed its checks, so each rule is ready.
	vals := make([]value, len(cols))
	view := rowView{vals: vals, index: ck.index}
	n := cols[0].Len()
	for i := 0; i < n; i++ {
		for _, r := range ck.rules {
			for _, c := range r.cols {
				vals[c] = value{}
				decs[c](i, &vals[c])
			}
			if r.bad(view) {
				return false
			}
		}
	}
	return true
}

// cleanArray checks a whole array against the column: nulls, then the
// values of its Kind. Types were checked when the file was opened.
func (cc *columnCheck) cleanArray(arr arrow.Array) bool {
	if arr.NullN() > 0 && !cc.col.Nullable {
		return false
	}
	switch a := arr.(type) {
	case *array.Int8:
		return cleanInts(cc, a, a.Int8Values())
	case *array.Int16:
		return cleanInts(cc, a, a.Int16Values())
	case *array.Int32:
		return cleanInts(cc, a, a.Int32Values())
	case *array.Int64:
		return cleanInts(cc, a, a.Int64Values())
	case *array.Uint8:
		return cleanInts(cc, a, a.Uint8Values())
	case *array.Uint16:
		return cleanInts(cc, a, a.Uint16Values())
	case *array.Uint32:
		return cleanInts(cc, a, a.Uint32Values())
	case *array.Float32:
		return cleanFloats(a, a.Float32Values())
	case *array.Float64:
		return cleanFloats(a, a.Float64Values())
	case *array.Boolean:
		return true
	case *array.String:
		return validUTF8(a.ValueBytes(), a.ValueOffsets()) && cleanStrings(cc, a)
	case *array.LargeString:
		return validUTF8(a.ValueBytes(), a.ValueOffsets()) && cleanStrings(cc, a)
	case *array.Dictionary:
		// Every entry must pass, used or not; null entries go to the row
		// path, which knows whether a row points at one.
		dict := a.Dictionary()
		if dict.NullN() > 0 {
			return false
		}
		return cc.cleanArray(dict)
	}
	return false
}

func cleanInts[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32](cc *columnCheck, a arrow.Array, vs []T) bool {
	lo, hi := cc.lo, cc.hi
	allowed := cc.col.AllowedInts
	nulls := a.NullN() > 0
	for i, x := range vs {
		if nulls && a.IsNull(i) {
			continue
		}
		v := int64(x)
		if v < lo || v > hi {
			return false
		}
		if len(allowed) > 0 && !slices.Contains(allowed, v) {
			return false
		}
	}
	return true
}

func cleanFloats[T float32 | float64](a arrow.Array, vs []T) bool {
	nulls := a.NullN() > 0
	for i, x := range vs {
		if nulls && a.IsNull(i) {
			continue
		}
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}

// validUTF8 says whether every value of a string array is valid UTF-8,
// checking the value bytes at once: data (the bytes from the first value's
// offset to the last one's end) is valid, and no value starts inside a
// character (on a continuation byte), so none ends inside one either.
// Null values span no bytes.
func validUTF8[T int32 | int64](data []byte, offsets []T) bool {
	if !utf8.Valid(data) {
		return false
	}
	if len(offsets) == 0 {
		return true
	}
	base := offsets[0]
	for _, o := range offsets[:len(offsets)-1] {
		if p := int(o - base); p < len(data) && !utf8.RuneStart(data[p]) {
			return false
		}
	}
	return true
}

// cleanStrings checks the codes and digits of a string column; UTF-8 is
// checked by the caller.
func cleanStrings(cc *columnCheck, a valuer[string]) bool {
	c := &cc.col
	if len(c.Allowed) == 0 && c.Digits == 0 {
		return true
	}
	n := a.(arrow.Array).Len()
	nulls := a.(arrow.Array).NullN() > 0
	for i := 0; i < n; i++ {
		if nulls && a.IsNull(i) {
			continue
		}
		s := a.Value(i)
		if len(c.Allowed) > 0 && !slices.Contains(c.Allowed, s) {
			return false
		}
		if c.Digits > 0 && !allDigits(s, c.Digits) {
			return false
		}
	}
	return true
}

// canonicalRecord returns cols in the canonical types of schema (the
// output schema: table columns, then source_file and source_row), with
// source_file = file and source_row = firstRow, firstRow+1, ... Arrays that
// already have the canonical type are reused, not copied.
func canonicalRecord(mem memory.Allocator, schema *arrow.Schema, cols []arrow.Array, file string, firstRow int64) arrow.RecordBatch {
	n := cols[0].Len()
	out := make([]arrow.Array, 0, len(cols)+2)
	defer func() {
		for _, a := range out {
			a.Release()
		}
	}()
	for j, arr := range cols {
		out = append(out, canonicalArray(mem, schema.Field(j).Type, arr))
	}
	fb := array.NewStringBuilder(mem)
	defer fb.Release()
	fb.Reserve(n)
	fb.ReserveData(n * len(file))
	for i := 0; i < n; i++ {
		fb.Append(file)
	}
	out = append(out, fb.NewArray())
	rb := array.NewInt64Builder(mem)
	defer rb.Release()
	rb.Reserve(n)
	for i := 0; i < n; i++ {
		rb.UnsafeAppend(firstRow + int64(i))
	}
	out = append(out, rb.NewArray())
	return array.NewRecordBatch(schema, out, int64(n))
}

// canonicalKinds maps the canonical Arrow types (Column.ArrowType) back to
// their Kind.
var canonicalKinds = map[arrow.Type]Kind{arrow.STRING: String, arrow.INT32: Int, arrow.INT64: Int, arrow.FLOAT64: Float, arrow.BOOL: Bool}

// canonicalArray returns arr as type want (a new reference either way).
// Values were checked to fit (cleanArray and the range of the column).
func canonicalArray(mem memory.Allocator, want arrow.DataType, arr arrow.Array) arrow.Array {
	if arrow.TypeEqual(arr.DataType(), want) {
		arr.Retain()
		return arr
	}
	kind, ok := canonicalKinds[want.ID()]
	dec, err := decoderFor(arr) // an accepted type: never fails
	if !ok || err != nil {
		panic("microdata: no canonical conversion from " + arr.DataType().String() + " to " + want.String())
	}
	b := array.NewBuilder(mem, want)
	defer b.Release()
	b.Reserve(arr.Len())
	app := appender(kind, b)
	var v value
	for i := 0; i < arr.Len(); i++ {
		v = value{}
		dec(i, &v)
		app(&v)
	}
	return b.NewArray()
}
