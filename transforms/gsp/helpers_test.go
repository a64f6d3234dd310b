package gsp_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/transforms/gsp"
)

// inRow is one input row, as the tests write it.
type inRow struct {
	pupil     string
	year      int32
	orgnr     string
	subject   string
	gradeType string
	grade     string
	gender    string
	public    bool
	muni      string
	county    string
}

// school is what a row needs to know about its school.
type school struct {
	orgnr, muni, county string
	public              bool
}

// standpunkt gives one standpunkt grade per subject S01, S02, ... for a pupil.
func standpunkt(id, gender string, s school, grades ...string) []inRow {
	var rows []inRow
	for i, g := range grades {
		rows = append(rows, inRow{id, 2023, s.orgnr, fmt.Sprintf("S%02d", i+1), "standpunkt", g, gender, s.public, s.muni, s.county})
	}
	return rows
}

// uniform is a pupil with ten standpunkt grades all equal to g: gsp = 10 g.
func uniform(id, gender string, s school, g int) []inRow {
	gs := make([]string, 10)
	for i := range gs {
		gs[i] = fmt.Sprint(g)
	}
	return standpunkt(id, gender, s, gs...)
}

func makeBatch(mem memory.Allocator, rows []inRow) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, gsp.InputSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.pupil)
		b.Field(1).(*array.Int32Builder).Append(r.year)
		b.Field(2).(*array.StringBuilder).Append(r.orgnr)
		b.Field(3).(*array.StringBuilder).Append(r.subject)
		b.Field(4).(*array.StringBuilder).Append(r.gradeType)
		b.Field(5).(*array.StringBuilder).Append(r.grade)
		b.Field(6).(*array.StringBuilder).Append(r.gender)
		b.Field(7).(*array.BooleanBuilder).Append(r.public)
		b.Field(8).(*array.StringBuilder).Append(r.muni)
		b.Field(9).(*array.StringBuilder).Append(r.county)
	}
	return b.NewRecordBatch()
}

// batches splits rows into batches at the given sizes (the rest in a last
// batch).
func batches(mem memory.Allocator, rows []inRow, sizes ...int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for _, n := range sizes {
		n = min(n, len(rows))
		out = append(out, makeBatch(mem, rows[:n]))
		rows = rows[n:]
	}
	if len(rows) > 0 || len(out) == 0 {
		out = append(out, makeBatch(mem, rows))
	}
	return out
}

func compute(t testing.TB, cfg gsp.Config, bs []arrow.RecordBatch) (*gsp.Result, error) {
	t.Helper()
	rdr, err := array.NewRecordReader(gsp.InputSchema, bs)
	if err != nil {
		t.Fatalf("NewRecordReader: %v", err)
	}
	defer rdr.Release()
	for _, b := range bs {
		b.Release() // the reader holds them now
	}
	return gsp.Compute(context.Background(), rdr, cfg)
}

func mustCompute(t testing.TB, cfg gsp.Config, rows []inRow) *gsp.Result {
	t.Helper()
	res, err := compute(t, cfg, batches(memory.DefaultAllocator, rows))
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	t.Cleanup(res.Release)
	return res
}

// pupilRow is one output pupil row; gsp and reason are nil when null.
type pupilRow struct {
	id                                    string
	year                                  int32
	orgnr, gender                         string
	public                                bool
	muni, county                          string
	subjects, subjectsNum, gradesNum, sum int32
	gsp                                   *float64
	reason                                *string
}

func readPupils(t testing.TB, bs []arrow.RecordBatch) []pupilRow {
	t.Helper()
	var out []pupilRow
	for _, b := range bs {
		if !b.Schema().Equal(gsp.PupilSchema) {
			t.Fatalf("pupil batch schema %s", b.Schema())
		}
		str := func(c int) *array.String { return b.Column(c).(*array.String) }
		i32 := func(c int) *array.Int32 { return b.Column(c).(*array.Int32) }
		g := b.Column(11).(*array.Float64)
		for i := range int(b.NumRows()) {
			r := pupilRow{
				id: str(0).Value(i), year: i32(1).Value(i), orgnr: str(2).Value(i), gender: str(3).Value(i),
				public: b.Column(4).(*array.Boolean).Value(i), muni: str(5).Value(i), county: str(6).Value(i),
				subjects: i32(7).Value(i), subjectsNum: i32(8).Value(i), gradesNum: i32(9).Value(i), sum: i32(10).Value(i),
			}
			if g.IsValid(i) {
				v := g.Value(i)
				r.gsp = &v
			}
			if str(12).IsValid(i) {
				v := str(12).Value(i)
				r.reason = &v
			}
			out = append(out, r)
		}
	}
	return out
}

// aggRow is one output aggregate row; n, mean, sd and suppression are nil
// when null.
type aggRow struct {
	year                     int32
	unit, code, subType, sub string
	n                        *int64
	mean, sd                 *float64
	status                   string
	suppression              *string
}

func (r aggRow) key() string { return fmt.Sprintf("%d %s %s %s", r.year, r.unit, r.code, r.sub) }

func readAggregates(t testing.TB, bs []arrow.RecordBatch) []aggRow {
	t.Helper()
	var out []aggRow
	for _, b := range bs {
		if !b.Schema().Equal(gsp.AggregateSchema) {
			t.Fatalf("aggregate batch schema %s", b.Schema())
		}
		str := func(c int) *array.String { return b.Column(c).(*array.String) }
		n := b.Column(5).(*array.Int64)
		mean := b.Column(6).(*array.Float64)
		sd := b.Column(7).(*array.Float64)
		for i := range int(b.NumRows()) {
			r := aggRow{
				year: b.Column(0).(*array.Int32).Value(i), unit: str(1).Value(i), code: str(2).Value(i),
				subType: str(3).Value(i), sub: str(4).Value(i), status: str(8).Value(i),
			}
			if n.IsValid(i) {
				v := n.Value(i)
				r.n = &v
			}
			if mean.IsValid(i) {
				v := mean.Value(i)
				r.mean = &v
			}
			if sd.IsValid(i) {
				v := sd.Value(i)
				r.sd = &v
			}
			if str(9).IsValid(i) {
				v := str(9).Value(i)
				r.suppression = &v
			}
			out = append(out, r)
		}
	}
	return out
}

// synthetic makes a year of grade rows: nPupils pupils in schools of about 55
// on average but of very unequal size (log-normal weights, so some have a
// handful of pupils), 15 subjects with a standpunkt grade each, one written and one oral exam (17
// rows a pupil), a few IV/F/D grades and a few pupils with mostly non-numeric
// grades. The rows come sorted by pupil.
func synthetic(seed uint64, year int32, nPupils int) []inRow {
	r := rand.New(rand.NewPCG(seed, 99))
	nSchools := max(1, nPupils/55)
	schools := make([]school, nSchools)
	cum := make([]float64, nSchools) // cumulative weights
	for i := range schools {
		cum[i] = math.Exp(1.2 * r.NormFloat64())
		if i > 0 {
			cum[i] += cum[i-1]
		}
		county := 1 + r.IntN(15)
		muni := county*100 + r.IntN(max(1, nSchools/40)+1)
		schools[i] = school{
			orgnr:  fmt.Sprintf("9%08d", i+1),
			muni:   fmt.Sprintf("%04d", muni),
			county: fmt.Sprintf("%02d", county),
			public: r.IntN(20) != 0,
		}
	}
	subjects := []string{"NOR0218", "MAT0015", "ENG0030", "NAT0011", "SAF0004", "KRL0010", "KHV0010", "MHE0010", "KRO0020", "MUS0010", "FSP6000", "UTV0010", "ARB0001", "NOR0219", "NOR0220"}
	grade := func() string {
		if r.IntN(60) == 0 {
			return []string{"IV", "F", "D"}[r.IntN(3)]
		}
		return fmt.Sprint(1 + min(5, max(0, int(r.NormFloat64()*1.1+3.3))))
	}
	rows := make([]inRow, 0, nPupils*17)
	for p := range nPupils {
		s := schools[min(nSchools-1, sort.SearchFloat64s(cum, r.Float64()*cum[nSchools-1]))]
		id := fmt.Sprintf("p%07d", p)
		gender := []string{"G", "J"}[r.IntN(2)]
		weak := r.IntN(100) == 0 // mostly IV: excluded
		for j, subj := range subjects {
			g := grade()
			if weak && j%3 != 0 {
				g = "IV"
			}
			rows = append(rows, inRow{id, year, s.orgnr, subj, "standpunkt", g, gender, s.public, s.muni, s.county})
		}
		exam := subjects[r.IntN(3)]
		rows = append(rows,
			inRow{id, year, s.orgnr, exam, "written_exam", grade(), gender, s.public, s.muni, s.county},
			inRow{id, year, s.orgnr, subjects[3+r.IntN(6)], "oral_exam", grade(), gender, s.public, s.muni, s.county})
	}
	return rows
}
