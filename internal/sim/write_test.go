package sim

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// sinkSchema has a column of every kind a sink handles.
var sinkSchema = arrow.NewSchema([]arrow.Field{
	{Name: "run", Type: arrow.BinaryTypes.String},                  // colStr
	{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true}, // colCode
	{Name: "plain", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

// sinkRows are the rows written, as CSV lines; "run" repeats in runs and
// recurs after other values (the dictionary's fallback path).
var sinkRows = []string{
	"E0000002a,G,x,1,10,0.5,true",
	"E0000002a,,,,,,false",
	"b,J,yy,-7,,2.25,true",
	"E0000002a,J,z,2147483647,9000000000,,false",
	"c,,,3,1,-1,true",
}

func writeSinkRows(t *testing.T, dir, format string) FileSummary {
	t.Helper()
	s, err := newSink(dir, "t", format, sinkSchema, vocab("code", []string{"G", "J"}), plain("plain"))
	if err != nil {
		t.Fatal(err)
	}
	for r := range sinkRows {
		switch r {
		case 0:
			s.id(0, 'E', 42)
			s.code(1, 0)
			s.str(2, "x")
			s.optI32(3, 1)
			s.i64(4, 10, true)
			s.f64(5, 0.5)
			s.boolean(6, true)
		case 1:
			s.id(0, 'E', 42)
			s.code(1, -1)
			s.optStr(2, "")
			s.optI32(3, -1)
			s.i64(4, 0, false)
			s.f64(5, math.NaN())
			s.boolean(6, false)
		case 2:
			s.str(0, "b")
			s.code(1, 1)
			s.str(2, "yy")
			s.i32(3, -7)
			s.i64(4, 0, false)
			s.f64(5, 2.25)
			s.boolean(6, true)
		case 3:
			s.str(0, "E0000002a")
			s.code(1, 1)
			s.str(2, "z")
			s.i32(3, 2147483647)
			s.i64(4, 9_000_000_000, true)
			s.f64(5, math.NaN())
			s.boolean(6, false)
		case 4:
			s.str(0, "c")
			s.code(1, -1)
			s.optStr(2, "")
			s.i32(3, 3)
			s.i64(4, 1, true)
			s.f64(5, -1)
			s.boolean(6, true)
		}
		if err := s.endRow(); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := s.close()
	if err != nil {
		t.Fatal(err)
	}
	if fs.Rows != int64(len(sinkRows)) {
		t.Errorf("sink says %d rows, want %d", fs.Rows, len(sinkRows))
	}
	return fs
}

func TestSinkWritesCSV(t *testing.T) {
	dir := t.TempDir()
	fs := writeSinkRows(t, dir, "csv")
	b, err := os.ReadFile(fs.Path)
	if err != nil {
		t.Fatal(err)
	}
	want := "run,code,plain,i32,i64,f64,b\n" + strings.Join(sinkRows, "\n") + "\n"
	if string(b) != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b, want)
	}
	if _, err := os.Stat(filepath.Join(dir, ".t.csv.tmp")); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
}

// TestSinkWritesParquet reads the file back with pqarrow and formats every
// value as CSV would, so that both formats must agree with sinkRows.
func TestSinkWritesParquet(t *testing.T) {
	fs := writeSinkRows(t, t.TempDir(), "parquet")
	f, err := file.OpenParquetFile(fs.Path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := r.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if err := sameFields(tbl.Schema(), sinkSchema); err != nil {
		t.Fatal(err)
	}
	rows := make([][]string, tbl.NumRows())
	for c := range int(tbl.NumCols()) {
		r := 0
		for _, chunk := range tbl.Column(c).Data().Chunks() {
			for i := range chunk.Len() {
				v := ""
				if chunk.IsValid(i) {
					v = chunk.ValueStr(i)
				}
				rows[r] = append(rows[r], v)
				r++
			}
		}
	}
	for i, want := range sinkRows {
		if got := strings.Join(rows[i], ","); got != want {
			t.Errorf("row %d: %s, want %s", i, got, want)
		}
	}
}

// sameFields compares the names, types and nullability of two schemas'
// fields (not their metadata).
func sameFields(got, want *arrow.Schema) error {
	if got.NumFields() != want.NumFields() {
		return fmt.Errorf("%d columns %v, want %d %v", got.NumFields(), got, want.NumFields(), want)
	}
	for i, w := range want.Fields() {
		g := got.Field(i)
		if g.Name != w.Name || !arrow.TypeEqual(g.Type, w.Type) || g.Nullable != w.Nullable {
			return fmt.Errorf("column %d: %s %s nullable=%v, want %s %s nullable=%v", i, g.Name, g.Type, g.Nullable, w.Name, w.Type, w.Nullable)
		}
	}
	return nil
}

// TestSinkSplitsRowGroups writes two and a half batches and reads them back:
// one row group per batch, values in order, per-batch dictionaries right.
func TestSinkSplitsRowGroups(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "code", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	codes := []string{"a", "b", "c", "d", "e"}
	s, err := newSink(t.TempDir(), "t", "parquet", schema, vocab("code", codes))
	if err != nil {
		t.Fatal(err)
	}
	n := 2*batchRows + batchRows/2
	for i := range n {
		s.id(0, 'R', uint32(i/7)) // runs of 7
		s.code(1, (i/3)%5)
		s.i32(2, i)
		if err := s.endRow(); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := s.close()
	if err != nil {
		t.Fatal(err)
	}
	f, err := file.OpenParquetFile(fs.Path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.NumRowGroups() != 3 || f.NumRows() != int64(n) {
		t.Errorf("%d row groups, %d rows; want 3 and %d", f.NumRowGroups(), f.NumRows(), n)
	}
	r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: 50_000}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := r.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	i := 0
	for rr.Next() {
		rec := rr.RecordBatch()
		ids, cs, ns := rec.Column(0).(*array.String), rec.Column(1).(*array.String), rec.Column(2).(*array.Int32)
		for k := range int(rec.NumRows()) {
			wantID := fmt.Sprintf("R%08x", i/7)
			if ids.Value(k) != wantID || cs.Value(k) != codes[(i/3)%5] || int(ns.Value(k)) != i {
				t.Fatalf("row %d: %s %s %d, want %s %s %d", i, ids.Value(k), cs.Value(k), ns.Value(k), wantID, codes[(i/3)%5], i)
			}
			i++
		}
	}
	if i != n {
		t.Errorf("read %d rows, want %d", i, n)
	}
}

// TestSinkReportsWriteErrors closes a sink's file under it: the error must
// come back from endRow or close, and no file may be left.
func TestSinkReportsWriteErrors(t *testing.T) {
	for _, format := range []string{"csv", "parquet"} {
		dir := t.TempDir()
		schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
		s, err := newSink(dir, "t", format, schema, plain("s"))
		if err != nil {
			t.Fatal(err)
		}
		s.f.Close()
		for i := range 3 * batchRows {
			s.str(0, "a value of some length")
			if err = s.endRow(); err != nil {
				t.Logf("%s: endRow %d: %v", format, i, err)
				s.abort()
				break
			}
		}
		if err == nil {
			_, err = s.close()
		}
		if err == nil {
			t.Errorf("%s: writing to a closed file succeeded", format)
		}
		if left := files(t, dir); len(left) > 0 {
			t.Errorf("%s: files left: %v", format, left)
		}
	}
}

// The writer methods below serve the tests only: the simulator writes no
// nullable plain string, and Generate renames through staging.

// optStr appends v, or null when v is "".
func (s *sink) optStr(i int, v string) {
	if v != "" {
		s.str(i, v)
		return
	}
	c, d := &s.cols[i], &s.cur.cols[i]
	d.setValid(c, false)
	if c.kind == colStr {
		d.idx = append(d.idx, 0)
	} else {
		d.offs = append(d.offs, int32(len(d.data)))
	}
}

// close writes what is left, closes the file and renames it into place.
func (s *sink) close() (FileSummary, error) {
	fs, err := s.finish()
	if err != nil {
		return fs, err
	}
	if err := os.Rename(s.tmp, s.path); err != nil {
		os.Remove(s.tmp)
		return FileSummary{}, fmt.Errorf("renaming %s into place: %w", s.path, err)
	}
	return fs, nil
}
