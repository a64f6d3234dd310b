package transforms_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/transforms"
)

// batch makes a record of the given columns, named by names.
func batch(t *testing.T, names []string, cols ...arrow.Array) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: names[i], Type: c.DataType(), Nullable: true}
	}
	var n int64
	if len(cols) > 0 {
		n = int64(cols[0].Len())
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, n)
}

func strs(mem memory.Allocator, vs ...*string) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for _, v := range vs {
		if v == nil {
			b.AppendNull()
		} else {
			b.Append(*v)
		}
	}
	return b.NewArray()
}

func p(s string) *string { return &s }

func TestColumn(t *testing.T) {
	a := strs(memory.DefaultAllocator, p("x"), nil, p("z"), nil)
	defer a.Release()
	rec := batch(t, []string{"a", "b", "b"}, a, a, a)
	defer rec.Release()
	if c, err := transforms.Column(rec, "a"); err != nil || c.Len() != 4 {
		t.Errorf("Column a: %v, %v", c, err)
	}
	for name, want := range map[string]string{"b": "column b appears 2 times", "c": "column c missing"} {
		if _, err := transforms.Column(rec, name); err == nil || err.Error() != want {
			t.Errorf("Column %s: error %v, want %q", name, err, want)
		}
	}
	// The first null is row 2 (1-based).
	if err := transforms.NotNull(a, "a"); err == nil || err.Error() != "row 2: column a is null" {
		t.Errorf("NotNull: %v", err)
	}
	full := strs(memory.DefaultAllocator, p("x"))
	defer full.Release()
	if err := transforms.NotNull(full, "a"); err != nil {
		t.Errorf("NotNull without nulls: %v", err)
	}
}

func TestStrings(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	want := []string{"0301", "", "5001"}
	plain := strs(mem, p(want[0]), p(want[1]), p(want[2]))
	defer plain.Release()
	large := array.NewLargeStringBuilder(mem)
	defer large.Release()
	view := array.NewStringViewBuilder(mem)
	defer view.Release()
	for _, v := range want {
		large.Append(v)
		view.Append(v)
	}
	la, va := large.NewArray(), view.NewArray()
	defer la.Release()
	defer va.Release()
	// A dictionary: indices 1, 2, 0 into {"5001", "0301", ""}.
	dictVals := strs(mem, p("5001"), p("0301"), p(""))
	defer dictVals.Release()
	ib := array.NewInt8Builder(mem)
	defer ib.Release()
	ib.AppendValues([]int8{1, 2, 0}, nil)
	idx := ib.NewArray()
	defer idx.Release()
	dict := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, idx, dictVals)
	defer dict.Release()
	for _, a := range []arrow.Array{plain, la, va, dict} {
		s, ok := transforms.AsStrings(a)
		if !ok {
			t.Errorf("%s: not read as strings", a.DataType())
			continue
		}
		var got []string
		for i := range a.Len() {
			got = append(got, s.Value(i))
			if c, err := transforms.StringAt(a, i); err != nil || c != want[i] {
				t.Errorf("%s: StringAt(%d) = %q, %v; want %q", a.DataType(), i, c, err, want[i])
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", a.DataType(), got, want)
		}
	}
	if _, ok := transforms.AsStrings(idx); ok {
		t.Error("int8 read as strings")
	}
	if _, err := transforms.StringAt(idx, 0); err == nil || err.Error() != "type int8, want a string type" {
		t.Errorf("StringAt of int8: %v", err)
	}
}

func TestInts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	valid := []bool{true, false, true}
	var cols []arrow.Array
	b8 := array.NewInt8Builder(mem)
	b8.AppendValues([]int8{-7, 0, 100}, valid)
	b16 := array.NewInt16Builder(mem)
	b16.AppendValues([]int16{-7, 0, 100}, valid)
	b32 := array.NewInt32Builder(mem)
	b32.AppendValues([]int32{-7, 0, 100}, valid)
	b64 := array.NewInt64Builder(mem)
	b64.AppendValues([]int64{-7, 0, 100}, valid)
	for _, b := range []array.Builder{b8, b16, b32, b64} {
		cols = append(cols, b.NewArray())
		b.Release()
	}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for _, a := range cols {
		c, ok := transforms.AsInts(a)
		if !ok {
			t.Errorf("%s: not read as ints", a.DataType())
			continue
		}
		if c.Value(0) != -7 || c.Value(2) != 100 || c.IsNull(0) || !c.IsNull(1) {
			t.Errorf("%s: %d %d, nulls %v %v", a.DataType(), c.Value(0), c.Value(2), c.IsNull(0), c.IsNull(1))
		}
	}
	s := strs(mem, p("1"))
	defer s.Release()
	if _, ok := transforms.AsInts(s); ok {
		t.Error("utf8 read as ints")
	}
}

func TestTypedColumns(t *testing.T) {
	s := strs(memory.DefaultAllocator, p("a"), nil)
	defer s.Release()
	ib := array.NewInt32Builder(memory.DefaultAllocator)
	defer ib.Release()
	ib.AppendValues([]int32{2023, 0}, []bool{true, false})
	i := ib.NewArray()
	defer i.Release()
	rec := batch(t, []string{"s", "i"}, s, i)
	defer rec.Release()
	if c, err := transforms.StringColumn(rec, "s", true); err != nil || c.Value(0) != "a" || !c.IsNull(1) {
		t.Errorf("StringColumn s nullable: %v", err)
	}
	if c, err := transforms.IntColumn(rec, "i", true); err != nil || c.Value(0) != 2023 {
		t.Errorf("IntColumn i nullable: %v", err)
	}
	for _, tt := range []struct {
		name string
		fn   func() error
		want string
	}{
		{"string not null", func() error { _, err := transforms.StringColumn(rec, "s", false); return err }, "row 2: column s is null"},
		{"string of ints", func() error { _, err := transforms.StringColumn(rec, "i", true); return err }, "column i has type int32, want a string type"},
		{"string missing", func() error { _, err := transforms.StringColumn(rec, "x", true); return err }, "column x missing"},
		{"int not null", func() error { _, err := transforms.IntColumn(rec, "i", false); return err }, "row 2: column i is null"},
		{"int of strings", func() error { _, err := transforms.IntColumn(rec, "s", true); return err }, "column s has type utf8, want a signed integer type"},
	} {
		if err := tt.fn(); err == nil || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// inputs serves each input name as the given batches, counting the readers
// opened and released and recording the args of every Open.
type inputs struct {
	t        *testing.T
	batches  map[string][]arrow.RecordBatch
	args     [][]any
	open     int
	openErr  error
	released int
	// cancel, when set, is called on the reader's second Next.
	cancel func()
}

func (in *inputs) Open(_ context.Context, name string, args ...any) (array.RecordReader, error) {
	in.args = append(in.args, args)
	if in.openErr != nil {
		return nil, in.openErr
	}
	bs, ok := in.batches[name]
	if !ok {
		in.t.Fatalf("no input %s", name)
	}
	r, err := array.NewRecordReader(bs[0].Schema(), bs)
	if err != nil {
		in.t.Fatal(err)
	}
	in.open++
	return &countingReader{RecordReader: r, in: in}, nil
}

type countingReader struct {
	array.RecordReader
	in    *inputs
	nexts int
}

func (r *countingReader) Next() bool {
	if r.nexts++; r.nexts == 2 && r.in.cancel != nil {
		r.in.cancel()
	}
	return r.RecordReader.Next()
}

func (r *countingReader) Release() {
	r.in.released++
	r.RecordReader.Release()
}

func TestEachAndReadAll(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	var bs []arrow.RecordBatch
	for _, v := range []string{"a", "b", "c"} {
		a := strs(mem, p(v))
		bs = append(bs, batch(t, []string{"s"}, a))
		a.Release()
	}
	in := &inputs{t: t, batches: map[string][]arrow.RecordBatch{"x": bs}}

	var seen []string
	err := transforms.Each(context.Background(), in, "x", func(b arrow.RecordBatch) error {
		seen = append(seen, b.Column(0).(*array.String).Value(0))
		return nil
	}, 2023)
	if err != nil || !slices.Equal(seen, []string{"a", "b", "c"}) {
		t.Errorf("Each: %q, %v", seen, err)
	}
	if len(in.args) != 1 || !slices.Equal(in.args[0], []any{2023}) {
		t.Errorf("Each opened with %v, want [[2023]]", in.args)
	}

	// fn's error stops the reading, wrapped with the input's name.
	stop := errors.New("stop")
	n := 0
	err = transforms.Each(context.Background(), in, "x", func(arrow.RecordBatch) error {
		if n++; n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || err.Error() != "reading x: stop" || n != 2 {
		t.Errorf("Each with a failing fn: %v after %d batches", err, n)
	}

	// A cancelled context stops before the first batch.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := transforms.Each(ctx, in, "x", func(arrow.RecordBatch) error { t.Error("fn called"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Each cancelled: %v", err)
	}

	got, err := transforms.ReadAll(context.Background(), in, "x")
	if err != nil || len(got) != 3 {
		t.Fatalf("ReadAll: %d batches, %v", len(got), err)
	}
	if in.released != in.open {
		t.Errorf("%d readers opened, %d released", in.open, in.released)
	}
	// Cancelled after the first batch: ReadAll holds none.
	ctx, cancel = context.WithCancel(context.Background())
	in.cancel = cancel
	if got, err := transforms.ReadAll(ctx, in, "x"); !errors.Is(err, context.Canceled) || got != nil {
		t.Errorf("ReadAll cancelled: %d batches, %v", len(got), err)
	}
	in.cancel = nil
	if in.released != in.open {
		t.Errorf("%d readers opened, %d released", in.open, in.released)
	}
	// The batches outlive the reader: release the originals first.
	for _, b := range bs {
		b.Release()
	}
	for i, b := range got {
		if v := b.Column(0).(*array.String).Value(0); v != []string{"a", "b", "c"}[i] {
			t.Errorf("ReadAll batch %d: %q", i, v)
		}
		b.Release()
	}
	mem.AssertSize(t, 0)

	in.openErr = errors.New("no such query")
	if _, err := transforms.ReadAll(context.Background(), in, "x"); err == nil || !strings.HasPrefix(err.Error(), "opening x: no such query") {
		t.Errorf("ReadAll of an input that does not open: %v", err)
	}
}
