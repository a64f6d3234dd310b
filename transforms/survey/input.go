package survey

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// strCol reads a string column of any of the accepted physical types.
type strCol interface {
	Value(i int) string
	IsNull(i int) bool
}

type dictStr struct {
	d *array.Dictionary
	v strCol
}

func (c dictStr) Value(i int) string { return c.v.Value(c.d.GetValueIndex(i)) }
func (c dictStr) IsNull(i int) bool  { return c.d.IsNull(i) }

func asStrCol(a arrow.Array) (strCol, bool) {
	switch a := a.(type) {
	case *array.String:
		return a, true
	case *array.LargeString:
		return a, true
	case *array.StringView:
		return a, true
	case *array.Dictionary:
		v, ok := asStrCol(a.Dictionary())
		if !ok {
			return nil, false
		}
		if _, nested := v.(dictStr); nested {
			return nil, false
		}
		return dictStr{a, v}, true
	}
	return nil, false
}

// intCol reads a signed integer column of any width.
type intCol struct {
	arr   arrow.Array
	value func(i int) int64
}

func (c intCol) IsNull(i int) bool { return c.arr.IsNull(i) }

func asIntCol(a arrow.Array) (intCol, bool) {
	switch a := a.(type) {
	case *array.Int8:
		return intCol{a, func(i int) int64 { return int64(a.Value(i)) }}, true
	case *array.Int16:
		return intCol{a, func(i int) int64 { return int64(a.Value(i)) }}, true
	case *array.Int32:
		return intCol{a, func(i int) int64 { return int64(a.Value(i)) }}, true
	case *array.Int64:
		return intCol{a, a.Value}, true
	}
	return intCol{}, false
}

// column finds the column named name, checks its kind and, unless nullable,
// that it holds no null.
func column(b arrow.RecordBatch, name string, nullable bool) (arrow.Array, error) {
	idx := b.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, fmt.Errorf("column %s missing", name)
	}
	if len(idx) > 1 {
		return nil, fmt.Errorf("column %s appears %d times", name, len(idx))
	}
	col := b.Column(idx[0])
	if !nullable && col.NullN() > 0 {
		for i := range col.Len() {
			if col.IsNull(i) {
				return nil, fmt.Errorf("row %d: column %s is null", i+1, name)
			}
		}
	}
	return col, nil
}

func strColumn(b arrow.RecordBatch, name string, nullable bool) (strCol, error) {
	col, err := column(b, name, nullable)
	if err != nil {
		return nil, err
	}
	c, ok := asStrCol(col)
	if !ok {
		return nil, fmt.Errorf("column %s has type %s, want a string type", name, col.DataType())
	}
	return c, nil
}

func intColumn(b arrow.RecordBatch, name string, nullable bool) (intCol, error) {
	col, err := column(b, name, nullable)
	if err != nil {
		return intCol{}, err
	}
	c, ok := asIntCol(col)
	if !ok {
		return intCol{}, fmt.Errorf("column %s has type %s, want a signed integer type", name, col.DataType())
	}
	return c, nil
}

// school is a school's geography.
type school struct {
	municipality, county string
}

// readSchools reads the schools input into a map by organisation number.
func readSchools(ctx context.Context, in array.RecordReader) (map[string]school, error) {
	out := map[string]school{}
	batch := 0
	for in.Next() {
		batch++
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := in.RecordBatch()
		orgnr, err := strColumn(b, "school_orgnr", false)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", batch, err)
		}
		muni, err := strColumn(b, "municipality_code", false)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", batch, err)
		}
		for i := range int(b.NumRows()) {
			o, m := orgnr.Value(i), muni.Value(i)
			if !digits(m, 4) {
				return nil, fmt.Errorf("batch %d, row %d: municipality_code %q is not 4 digits", batch, i+1, m)
			}
			if prev, ok := out[o]; ok {
				if prev.municipality != m {
					return nil, fmt.Errorf("batch %d, row %d: school %s is listed again with municipality %s, first with %s", batch, i+1, o, m, prev.municipality)
				}
				continue
			}
			m = strings.Clone(m)
			out[strings.Clone(o)] = school{municipality: m, county: m[:2]}
		}
	}
	if err := in.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sourceOf is where row i of a responses batch came from, when the batch
// carries the warehouse's provenance columns source_file and source_row
// (survey_input passes them on): so that bad input is named by file and
// row, as the microdata reader names it.
func sourceOf(b arrow.RecordBatch, i int) (file string, row int64, ok bool) {
	fc, fok := b.Schema().FieldsByName("source_file")
	rc, rok := b.Schema().FieldsByName("source_row")
	if !fok || !rok || len(fc) != 1 || len(rc) != 1 {
		return "", 0, false
	}
	files, err := strColumn(b, "source_file", false)
	if err != nil || i >= int(b.NumRows()) {
		return "", 0, false
	}
	rows, err := intColumn(b, "source_row", false)
	if err != nil {
		return "", 0, false
	}
	return files.Value(i), rows.value(i), true
}
