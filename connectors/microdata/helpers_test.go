package microdata

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors"
)

// result is everything one Read of a table produced.
type result struct {
	rows    [][]any // one per output row: the contract's columns, source_file, source_row
	rejects []connectors.Reject
	records []int64 // rows per record
	wholes  int     // records the columnar fast path took whole
	err     error   // from Read or from Err
}

// readTable reads one table to the end with a checked allocator and checks
// that every record has the output schema and that nothing leaks.
func readTable(t *testing.T, cfg Config, table string) result {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	s.mem = mem
	defer mem.AssertSize(t, 0)
	tbl, _ := Lookup(table)
	var res result
	bs, err := s.Read(context.Background(), table, nil)
	if err != nil {
		res.err = err
		return res
	}
	for bs.Next() {
		rec := bs.RecordBatch()
		if !rec.Schema().Equal(OutputSchema(tbl)) {
			t.Fatalf("record schema %s, want %s", rec.Schema(), OutputSchema(tbl))
		}
		res.records = append(res.records, rec.NumRows())
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for c, col := range rec.Columns() {
				row[c] = cell(t, col, i)
			}
			res.rows = append(res.rows, row)
		}
	}
	res.err = bs.Err()
	if bs.Checkpoint() != nil {
		t.Errorf("Checkpoint() = %v, want nil", bs.Checkpoint())
	}
	rj, ok := bs.(connectors.Rejecter)
	if !ok {
		t.Fatalf("%T does not implement connectors.Rejecter", bs)
	}
	res.rejects = rj.Rejects()
	if b, ok := bs.(*batches); ok {
		res.wholes = b.wholes
	}
	if err := bs.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := bs.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if bs.Next() {
		t.Errorf("Next after Close returned true")
	}
	return res
}

// cell reads one value with the typed Arrow accessors: nil for null.
func cell(t *testing.T, arr arrow.Array, i int) any {
	t.Helper()
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	}
	t.Fatalf("unexpected array type %s", arr.DataType())
	return nil
}

// badInput asserts err is a *BadInputError and returns it.
func badInput(t *testing.T, err error) *BadInputError {
	t.Helper()
	var bad *BadInputError
	if !errors.As(err, &bad) {
		t.Fatalf("error %v (%T), want a *BadInputError", err, err)
	}
	if !bad.BadInput() {
		t.Errorf("BadInput() = false")
	}
	return bad
}

// column returns column c of rows.
func column(rows [][]any, c int) []any {
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r[c]
	}
	return out
}

func equalRows(t *testing.T, got, want [][]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d rows, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\n got  %s\n want %s", i+1, fmtRow(got[i]), fmtRow(want[i]))
		}
	}
}

func fmtRow(r []any) string {
	s := ""
	for i, v := range r {
		if i > 0 {
			s += " | "
		}
		s += fmt.Sprintf("%#v", v)
	}
	return s
}
