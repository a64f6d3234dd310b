package microdata

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Scan reads the named columns of a table of the folder dir and hands
// them to fn a record at a time (valid during the call only), in file
// order. It is for code that reads a folder it trusts and needs speed more
// than checks: the API emulator over a simulated nation, where a table can
// be 70 million rows. When every file of the table is Parquet, the columns
// come as the files hold them, with string columns read as dictionaries
// (an index per row, each distinct value once per record) and only the
// column types checked (other columns must have the canonical type of
// Table.Schema, as the simulator writes them); otherwise the table is read by Each, every row
// checked, and its columns handed on. A string column is therefore a
// *array.String or a *array.Dictionary of strings: read it with
// MapStrings. A missing optional table is connectors.ErrStreamAbsent, as
// with Each.
func Scan(ctx context.Context, dir, table string, columns []string, fn func(cols []arrow.Array) error) error {
	t, ok := Lookup(table)
	if !ok {
		return fmt.Errorf("scanning %s of %s: no such table", table, dir)
	}
	kinds := make([]Kind, len(columns))
	types := make([]arrow.DataType, len(columns))
	for j, name := range columns {
		c, ok := t.Column(name)
		if !ok {
			return fmt.Errorf("scanning %s of %s: no column %q", table, dir, name)
		}
		kinds[j] = c.Kind
		types[j] = t.Schema().Field(t.Schema().FieldIndices(name)[0]).Type
	}
	src, err := New(Config{Dir: dir, Tables: []string{table}})
	if err != nil {
		return fmt.Errorf("scanning %s of %s: %w", table, dir, err)
	}
	files, err := src.locate(t)
	if err != nil {
		return err // ErrStreamAbsent unwrapped, as Each gives it
	}
	if slices.ContainsFunc(files, func(f inputFile) bool { return f.kind != kindParquet }) {
		pos := make([]int, len(columns))
		for j, name := range columns {
			pos[j] = t.Schema().FieldIndices(name)[0]
		}
		cols := make([]arrow.Array, len(columns))
		return Each(ctx, dir, table, func(rec arrow.RecordBatch) error {
			for j, p := range pos {
				cols[j] = rec.Column(p)
			}
			return fn(cols)
		})
	}
	for _, f := range files {
		if err := scanParquet(ctx, f, columns, kinds, types, fn); err != nil {
			return fmt.Errorf("scanning %s of %s: %w", table, dir, err)
		}
	}
	return nil
}

// scanParquet reads the columns of one Parquet file, string columns as
// dictionaries. Other columns must have the canonical type (types), as the
// simulator writes them: Scan does not convert.
func scanParquet(ctx context.Context, f inputFile, columns []string, kinds []Kind, types []arrow.DataType, fn func([]arrow.Array) error) error {
	pf, err := file.OpenParquetFile(f.path, false)
	if err != nil {
		return unreadable(f.rel, "Parquet", err)
	}
	defer pf.Close()
	if pf.NumRows() == 0 {
		return nil
	}
	sc := pf.MetaData().Schema
	leaves := make([]int, len(columns))
	props := pqarrow.ArrowReadProperties{BatchSize: batchRows}
	for j, name := range columns {
		leaves[j] = sc.ColumnIndexByName(name)
		if leaves[j] < 0 {
			return fmt.Errorf("%s: no column %q", f.rel, name)
		}
		if kinds[j] == String {
			props.SetReadDict(leaves[j], true)
		}
	}
	fr, err := pqarrow.NewFileReader(pf, props, memory.DefaultAllocator)
	if err != nil {
		return unreadable(f.rel, "Parquet", err)
	}
	rr, err := fr.GetRecordReader(ctx, leaves, nil)
	if err != nil {
		return unreadable(f.rel, "Parquet", err)
	}
	defer rr.Release()
	for j, fd := range rr.Schema().Fields() {
		if kinds[j] == String && !acceptsType(String, fd.Type) || kinds[j] != String && !arrow.TypeEqual(fd.Type, types[j]) {
			return fmt.Errorf("%s: column %s is %s; Scan reads only the types skolestat writes (%s), Each reads any", f.rel, fd.Name, fd.Type, types[j])
		}
	}
	for rr.Next() {
		if err := fn(rr.RecordBatch().Columns()); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil {
		return unreadable(f.rel, "Parquet", err)
	}
	return nil
}

// MapStrings maps every value of a string column as Scan gives it (plain
// or a dictionary of strings) through f, into dst (resized to the
// column's length), and returns dst. f is called once per dictionary
// entry, not once per row; a null maps to -1 without calling f.
func MapStrings(a arrow.Array, f func(string) int32, dst []int32) []int32 {
	n := a.Len()
	dst = slices.Grow(dst[:0], n)[:n]
	switch c := a.(type) {
	case *array.Dictionary:
		mapped := make([]int32, c.Dictionary().Len())
		switch words := c.Dictionary().(type) {
		case *array.String:
			for k := range mapped {
				mapped[k] = f(words.Value(k))
			}
		case *array.LargeString:
			for k := range mapped {
				mapped[k] = f(words.Value(k))
			}
		default:
			panic(fmt.Sprintf("microdata.MapStrings: a dictionary of %s is no string column", words.DataType()))
		}
		for i := range n {
			if c.IsNull(i) {
				dst[i] = -1
				continue
			}
			dst[i] = mapped[c.GetValueIndex(i)]
		}
	case *array.String:
		for i := range n {
			if c.IsNull(i) {
				dst[i] = -1
				continue
			}
			dst[i] = f(c.Value(i))
		}
	case *array.LargeString:
		for i := range n {
			if c.IsNull(i) {
				dst[i] = -1
				continue
			}
			dst[i] = f(c.Value(i))
		}
	default:
		panic(fmt.Sprintf("microdata.MapStrings: a %s is no string column", a.DataType()))
	}
	return dst
}
