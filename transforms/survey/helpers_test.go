package survey_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/codebook"
	"github.com/skolestat/skolestat/transforms/survey"
)

func ptr[T any](v T) *T { return &v }

// testGroup: index A of a1..a4 (a4 reverse-keyed; min_items by default
// half of 4 = 2), index B of b1..b3 with min_items 3, and the bullying items
// m1..m3 (threshold by default 3), all on the default scale 1-5.
var testGroup = codebook.Group{
	Code: "pupils",
	Indices: []codebook.Index{
		{Code: "A", Items: []string{"a1", "a2", "a3", "a4"}, Reverse: []string{"a4"}},
		{Code: "B", Items: []string{"b1", "b2", "b3"}, MinItems: 3},
	},
	Bullying: &codebook.Bullying{Code: "M", Items: []string{"m1", "m2", "m3"}},
}

type school struct{ orgnr, muni string }

var (
	s1 = school{"900000001", "0301"}
	s2 = school{"900000002", "0301"}
	s3 = school{"900000003", "1103"}
)

// inRow is one response row; nil class, gender or answer is null.
type inRow struct {
	id     string
	year   int32
	orgnr  string
	grade  int32
	class  *string
	gender *string
	item   string
	answer *int32
}

// resp is a respondent: rows for the items in answers (in the order of
// items; a missing or 0 answer is null).
type resp struct {
	id     string
	year   int32
	school school
	grade  int32
	class  string // "" = null
	gender string // "" = null
	items  []string
	ans    []int32
}

func (r resp) rows() []inRow {
	var out []inRow
	for i, it := range r.items {
		row := inRow{id: r.id, year: r.year, orgnr: r.school.orgnr, grade: r.grade, item: it}
		if r.year == 0 {
			row.year = 2023
		}
		if r.class != "" {
			row.class = ptr(r.class)
		}
		if r.gender != "" {
			row.gender = ptr(r.gender)
		}
		if i < len(r.ans) && r.ans[i] != 0 {
			row.answer = ptr(r.ans[i])
		}
		out = append(out, row)
	}
	return out
}

func rowsOf(rs ...resp) []inRow {
	var out []inRow
	for _, r := range rs {
		out = append(out, r.rows()...)
	}
	return out
}

// responses builds the responses input, split into batches of at most per
// rows (0: one batch).
func responses(t testing.TB, rows []inRow, per int) array.RecordReader {
	t.Helper()
	if per <= 0 {
		per = max(len(rows), 1)
	}
	var recs []arrow.RecordBatch
	for lo := 0; lo < len(rows) || lo == 0; lo += per {
		b := array.NewRecordBuilder(memory.DefaultAllocator, survey.ResponsesSchema)
		for _, r := range rows[lo:min(lo+per, len(rows))] {
			b.Field(0).(*array.StringBuilder).Append(r.id)
			b.Field(1).(*array.Int32Builder).Append(r.year)
			b.Field(2).(*array.StringBuilder).Append(r.orgnr)
			b.Field(3).(*array.Int32Builder).Append(r.grade)
			appendStr(b.Field(4).(*array.StringBuilder), r.class)
			appendStr(b.Field(5).(*array.StringBuilder), r.gender)
			b.Field(6).(*array.StringBuilder).Append(r.item)
			if r.answer == nil {
				b.Field(7).(*array.Int32Builder).AppendNull()
			} else {
				b.Field(7).(*array.Int32Builder).Append(*r.answer)
			}
		}
		recs = append(recs, b.NewRecordBatch())
		b.Release()
		if len(rows) == 0 {
			break
		}
	}
	rdr, err := array.NewRecordReader(survey.ResponsesSchema, recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	return rdr
}

func appendStr(b *array.StringBuilder, s *string) {
	if s == nil {
		b.AppendNull()
	} else {
		b.Append(*s)
	}
}

func schools(t testing.TB, ss ...school) array.RecordReader {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, survey.SchoolsSchema)
	defer b.Release()
	for _, s := range ss {
		b.Field(0).(*array.StringBuilder).Append(s.orgnr)
		b.Field(1).(*array.StringBuilder).Append(s.muni)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	rdr, err := array.NewRecordReader(survey.SchoolsSchema, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	return rdr
}

func compute(t testing.TB, g codebook.Group, rows []inRow, cfg survey.Config) *survey.Result {
	t.Helper()
	res, err := computeErr(t, g, rows, 0, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(res.Release)
	return res
}

func computeErr(t testing.TB, g codebook.Group, rows []inRow, per int, cfg survey.Config) (*survey.Result, error) {
	t.Helper()
	sr, rr := schools(t, s1, s2, s3), responses(t, rows, per)
	defer sr.Release()
	defer rr.Release()
	return survey.Compute(context.Background(), g, sr, rr, cfg)
}

// respOut is one row of the respondent output.
type respOut struct {
	grade         int32
	class, gender *string
	itemsAnswered int32
	score         *float64
	orgnr         string
}

func respondentRows(t *testing.T, res *survey.Result) map[string]respOut {
	t.Helper()
	out := map[string]respOut{}
	for _, rec := range res.Respondents {
		if !rec.Schema().Equal(survey.RespondentSchema) {
			t.Fatalf("respondent schema %s", rec.Schema())
		}
		c := func(i int) arrow.Array { return rec.Column(i) }
		for i := range int(rec.NumRows()) {
			str := func(col int) *string {
				if c(col).IsNull(i) {
					return nil
				}
				return ptr(c(col).(*array.String).Value(i))
			}
			key := fmt.Sprintf("%s/%d/%s", c(0).(*array.String).Value(i), c(1).(*array.Int32).Value(i), c(6).(*array.String).Value(i))
			if _, dup := out[key]; dup {
				t.Fatalf("respondent row %s repeated", key)
			}
			r := respOut{grade: c(3).(*array.Int32).Value(i), class: str(4), gender: str(5),
				itemsAnswered: c(7).(*array.Int32).Value(i), orgnr: c(2).(*array.String).Value(i)}
			if !c(8).IsNull(i) {
				r.score = ptr(c(8).(*array.Float64).Value(i))
			}
			out[key] = r
		}
	}
	return out
}

// unitOut is one row of the unit output; nil n, mean, sd are null.
type unitOut struct {
	n        *int64
	mean, sd *float64
	status   string
}

// unitRows maps "year type code grade gender index" to the row.
func unitRows(t *testing.T, res *survey.Result) map[string]unitOut {
	t.Helper()
	out := map[string]unitOut{}
	for _, rec := range res.Units {
		if !rec.Schema().Equal(survey.UnitSchema) {
			t.Fatalf("unit schema %s", rec.Schema())
		}
		c := func(i int) arrow.Array { return rec.Column(i) }
		s := func(col, i int) string { return c(col).(*array.String).Value(i) }
		for i := range int(rec.NumRows()) {
			key := fmt.Sprintf("%d %s %s %s %s %s", c(0).(*array.Int32).Value(i), s(1, i), s(2, i), s(3, i), s(4, i), s(5, i))
			if _, dup := out[key]; dup {
				t.Fatalf("unit row %s repeated", key)
			}
			u := unitOut{status: s(9, i)}
			if !c(6).IsNull(i) {
				u.n = ptr(c(6).(*array.Int64).Value(i))
			}
			if !c(7).IsNull(i) {
				u.mean = ptr(c(7).(*array.Float64).Value(i))
			}
			if !c(8).IsNull(i) {
				u.sd = ptr(c(8).(*array.Float64).Value(i))
			}
			out[key] = u
		}
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(b)) }

func fmtP[T any](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// checkUnit compares a unit row with n, mean and sd (sd < 0: null; NaN: not
// compared).
func checkUnit(t *testing.T, rows map[string]unitOut, key string, n int64, mean, sd float64) {
	t.Helper()
	u, ok := rows[key]
	if !ok {
		t.Errorf("no unit row %s", key)
		return
	}
	okSD := math.IsNaN(sd) || (sd < 0 && u.sd == nil) || (sd >= 0 && u.sd != nil && near(*u.sd, sd))
	if u.status != "ok" || u.n == nil || *u.n != n || u.mean == nil || !near(*u.mean, mean) || !okSD {
		t.Errorf("unit %s: status %s, n %s, mean %s, sd %s; want ok, %d, %g, %g (negative: null)",
			key, u.status, fmtP(u.n), fmtP(u.mean), fmtP(u.sd), n, mean, sd)
	}
}
