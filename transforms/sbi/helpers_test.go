package sbi_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/connectors/microdata"
	"github.com/skolestat/skolestat/transforms/sbi"
)

// Rows of the four tables as the tests write them.
type pupilRow struct {
	id, gender, immig, educ string
	income                  int64 // -1 = null
}

type enrolRow struct {
	id          string
	year, grade int32
	orgnr       string
}

type testRow struct {
	id             string
	year, grade    int32
	subject, orgnr string
	status         string
	score          float64 // NaN = null
}

type gradeRow struct {
	id                           string
	year                         int32
	orgnr, subject, gtype, grade string
}

// tables is a small microdata input written in a test.
type tables struct {
	pupils []pupilRow
	enrol  []enrolRow
	tests  []testRow
	grades []gradeRow
}

func schemaOf(t testing.TB, name string) *arrow.Schema {
	t.Helper()
	tab, ok := microdata.Lookup(name)
	if !ok {
		t.Fatalf("no table %s", name)
	}
	return tab.Schema()
}

// split cuts n rows into batches of at most size rows (one batch when size
// is 0).
func split(n, size int) [][2]int {
	if size <= 0 || size >= n {
		return [][2]int{{0, n}}
	}
	var out [][2]int
	for a := 0; a < n; a += size {
		out = append(out, [2]int{a, min(a+size, n)})
	}
	return out
}

func pupilBatches(t testing.TB, rows []pupilRow, size int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for _, r := range split(len(rows), size) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schemaOf(t, "pupils"))
		for _, p := range rows[r[0]:r[1]] {
			b.Field(0).(*array.StringBuilder).Append(p.id)
			b.Field(1).(*array.Int32Builder).Append(2005)
			b.Field(2).(*array.StringBuilder).Append(p.gender)
			b.Field(3).(*array.StringBuilder).Append(p.immig)
			b.Field(4).(*array.StringBuilder).Append(p.educ)
			if p.income < 0 {
				b.Field(5).AppendNull()
			} else {
				b.Field(5).(*array.Int64Builder).Append(p.income)
			}
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out
}

func enrolBatches(t testing.TB, rows []enrolRow, size int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for _, r := range split(len(rows), size) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schemaOf(t, "enrolments"))
		for _, e := range rows[r[0]:r[1]] {
			b.Field(0).(*array.StringBuilder).Append(e.id)
			b.Field(1).(*array.Int32Builder).Append(e.year)
			b.Field(2).(*array.Int32Builder).Append(e.grade)
			b.Field(3).(*array.StringBuilder).Append(e.orgnr)
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out
}

func testBatches(t testing.TB, rows []testRow, size int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for _, r := range split(len(rows), size) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schemaOf(t, "national_tests"))
		for _, x := range rows[r[0]:r[1]] {
			b.Field(0).(*array.StringBuilder).Append(x.id)
			b.Field(1).(*array.Int32Builder).Append(x.year)
			b.Field(2).(*array.Int32Builder).Append(x.grade)
			b.Field(3).(*array.StringBuilder).Append(x.subject)
			b.Field(4).(*array.StringBuilder).Append(x.orgnr)
			b.Field(5).(*array.StringBuilder).Append(x.status)
			if math.IsNaN(x.score) {
				b.Field(6).AppendNull()
			} else {
				b.Field(6).(*array.Float64Builder).Append(x.score)
			}
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out
}

func gradeBatches(t testing.TB, rows []gradeRow, size int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for _, r := range split(len(rows), size) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schemaOf(t, "grades"))
		for _, g := range rows[r[0]:r[1]] {
			b.Field(0).(*array.StringBuilder).Append(g.id)
			b.Field(1).(*array.Int32Builder).Append(g.year)
			b.Field(2).(*array.StringBuilder).Append(g.orgnr)
			b.Field(3).(*array.StringBuilder).Append(g.subject)
			b.Field(4).(*array.StringBuilder).Append(g.gtype)
			b.Field(5).(*array.StringBuilder).Append(g.grade)
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out
}

// batchSet holds the batches of the four tables.
type batchSet struct {
	pupils, enrol, tests, grades []arrow.RecordBatch
}

func (d tables) batches(t testing.TB, size int) batchSet {
	return batchSet{
		pupils: pupilBatches(t, d.pupils, size),
		enrol:  enrolBatches(t, d.enrol, size),
		tests:  testBatches(t, d.tests, size),
		grades: gradeBatches(t, d.grades, size),
	}
}

func reader(t testing.TB, table string, bs []arrow.RecordBatch) array.RecordReader {
	t.Helper()
	var sc *arrow.Schema
	if len(bs) > 0 {
		sc = bs[0].Schema()
	} else {
		sc = schemaOf(t, table)
	}
	r, err := array.NewRecordReader(sc, bs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// inputs wraps the batches in fresh readers.
func (b batchSet) inputs(t testing.TB) sbi.Inputs {
	return sbi.Inputs{
		Pupils:        reader(t, "pupils", b.pupils),
		Enrolments:    reader(t, "enrolments", b.enrol),
		NationalTests: reader(t, "national_tests", b.tests),
		Grades:        reader(t, "grades", b.grades),
	}
}

func build(t testing.TB, d tables, level sbi.Level, window string) (*sbi.Matrix, error) {
	t.Helper()
	w, err := sbi.ParseWindow(window)
	if err != nil {
		t.Fatal(err)
	}
	return sbi.Build(context.Background(), d.batches(t, 0).inputs(t), sbi.Config{Level: level, Window: w})
}

func mustBuild(t testing.TB, d tables, level sbi.Level, window string) *sbi.Matrix {
	t.Helper()
	m, err := build(t, d, level, window)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// shuffled returns a copy of d with every table's rows in random order.
func (d tables) shuffled(r *rand.Rand) tables {
	out := tables{
		pupils: append([]pupilRow(nil), d.pupils...),
		enrol:  append([]enrolRow(nil), d.enrol...),
		tests:  append([]testRow(nil), d.tests...),
		grades: append([]gradeRow(nil), d.grades...),
	}
	r.Shuffle(len(out.pupils), func(i, j int) { out.pupils[i], out.pupils[j] = out.pupils[j], out.pupils[i] })
	r.Shuffle(len(out.enrol), func(i, j int) { out.enrol[i], out.enrol[j] = out.enrol[j], out.enrol[i] })
	r.Shuffle(len(out.tests), func(i, j int) { out.tests[i], out.tests[j] = out.tests[j], out.tests[i] })
	r.Shuffle(len(out.grades), func(i, j int) { out.grades[i], out.grades[j] = out.grades[j], out.grades[i] })
	return out
}

const tol = 1e-12

func near(a, b float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

// checkColumn compares the column name of m with want (nil: the column must
// be absent).
func checkColumn(t *testing.T, m *sbi.Matrix, name string, want []float64) {
	t.Helper()
	got := m.Column(name)
	if want == nil {
		if got != nil {
			t.Errorf("column %s present, want it dropped", name)
		}
		return
	}
	if len(got) != len(want) {
		t.Errorf("column %s has %d rows, want %d", name, len(got), len(want))
		return
	}
	for i := range want {
		if !near(got[i], want[i]) {
			t.Errorf("column %s row %d = %.15g, want %.15g", name, i, got[i], want[i])
		}
	}
}

func checkFloats(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !near(got[i], want[i]) {
			t.Errorf("%s[%d] = %.15g, want %.15g", what, i, got[i], want[i])
		}
	}
}
