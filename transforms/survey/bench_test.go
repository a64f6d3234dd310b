package survey_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/codebook"
	"github.com/skolestat/skolestat/internal/sim"
	"github.com/skolestat/skolestat/transforms/survey"
)

// simGroup is the simulator's instrument: the built-in Elevundersøkelsen
// codebook's pupils_5_10 group, whose items (the indices' items, the
// bullying items and the standalone ones) are those the simulator answers.
func simGroup(b *testing.B) codebook.Group {
	b.Helper()
	cb, err := codebook.Builtin("elevundersokelsen")
	if err != nil {
		b.Fatal(err)
	}
	g, err := survey.Group(cb, "pupils_5_10")
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// genReader makes a national school year on the fly: respondents ×
// len(sim.Items) rows in batches of batchRows, 3,000 schools in 357
// municipalities, classes of 25, grades 7 and 10. The time spent making
// the batches is not counted (the timer stops in Next).
type genReader struct {
	b           *testing.B
	respondents int
	next        int // next respondent
	item        int
	cur         arrow.RecordBatch
	bld         *array.RecordBuilder
	orgnrs      []string
	classes     []string
	ids         []string
}

const batchRows = 122_880

func newGenReader(b *testing.B, respondents int) *genReader {
	r := &genReader{b: b, respondents: respondents, bld: array.NewRecordBuilder(memory.DefaultAllocator, survey.ResponsesSchema)}
	for s := range 3000 {
		r.orgnrs = append(r.orgnrs, fmt.Sprintf("9%08d", s))
	}
	for c := range 4 {
		r.classes = append(r.classes, fmt.Sprintf("%c", 'A'+c))
	}
	return r
}

func benchSchools(b *testing.B) array.RecordReader {
	bl := array.NewRecordBuilder(memory.DefaultAllocator, survey.SchoolsSchema)
	defer bl.Release()
	for s := range 3000 {
		bl.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("9%08d", s))
		bl.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("%02d%02d", 1+s%15, s%24))
	}
	rec := bl.NewRecordBatch()
	defer rec.Release()
	rdr, err := array.NewRecordReader(survey.SchoolsSchema, []arrow.RecordBatch{rec})
	if err != nil {
		b.Fatal(err)
	}
	return rdr
}

func (r *genReader) Next() bool {
	r.b.StopTimer()
	defer r.b.StartTimer()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.next >= r.respondents {
		return false
	}
	f := r.bld.Fields()
	id, year, org, grade, class, gender, item, ans := f[0].(*array.StringBuilder), f[1].(*array.Int32Builder), f[2].(*array.StringBuilder),
		f[3].(*array.Int32Builder), f[4].(*array.StringBuilder), f[5].(*array.StringBuilder), f[6].(*array.StringBuilder), f[7].(*array.Int32Builder)
	for n := 0; n < batchRows && r.next < r.respondents; n++ {
		p := r.next
		// Respondents in school order: 40 per school, two grades of two
		// classes of ten.
		s := (p / 40) % len(r.orgnrs)
		id.Append(fmt.Sprintf("R%07d", p))
		year.Append(2024)
		org.Append(r.orgnrs[s])
		g := int32(7 + 3*((p/20)%2))
		grade.Append(g)
		class.Append(fmt.Sprint(g) + r.classes[(p/10)%2])
		if p%97 == 0 {
			gender.AppendNull()
		} else {
			gender.Append([]string{"G", "J"}[p%2])
		}
		item.Append(sim.Items[r.item].Code)
		if (p+r.item)%31 == 0 {
			ans.AppendNull()
		} else {
			ans.Append(int32(1 + (p*7+r.item*3)%5))
		}
		r.item++
		if r.item == len(sim.Items) {
			r.item = 0
			r.next++
		}
	}
	r.cur = r.bld.NewRecordBatch()
	return true
}

func (r *genReader) Schema() *arrow.Schema          { return survey.ResponsesSchema }
func (r *genReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *genReader) Record() arrow.RecordBatch      { return r.cur }
func (r *genReader) Err() error                     { return nil }
func (r *genReader) Retain()                        {}
func (r *genReader) Release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.bld.Release()
}

// BenchmarkNationalYear: one national school year, 120,000 respondents ×
// 60 items = 7.2 million rows.
func BenchmarkNationalYear(b *testing.B) {
	const respondents = 120_000
	g := simGroup(b)
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		sr := benchSchools(b)
		rr := newGenReader(b, respondents)
		res, err := survey.Compute(context.Background(), g, sr, rr, survey.Config{})
		if err != nil {
			b.Fatal(err)
		}
		rows += res.Rows
		b.StopTimer()
		var outBytes int
		for _, bs := range [][]arrow.RecordBatch{res.Respondents, res.Units} {
			for _, rec := range bs {
				for _, c := range rec.Columns() {
					for _, buf := range c.Data().Buffers() {
						if buf != nil {
							outBytes += buf.Len()
						}
					}
				}
			}
		}
		b.ReportMetric(float64(outBytes)/1e6, "MB-output")
		res.Release()
		rr.Release()
		sr.Release()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
