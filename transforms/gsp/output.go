package gsp

import (
	"cmp"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// chunked writes n rows of schema into batches of at most cfg.BatchRows rows,
// calling fill for each row index with the builder of the current batch. It
// returns at least one batch, empty when n is 0, so an empty output still
// carries its schema.
func chunked(cfg Config, schema *arrow.Schema, n int, fill func(b *array.RecordBuilder, i int)) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	b := array.NewRecordBuilder(cfg.Allocator, schema)
	defer b.Release()
	for lo := 0; ; lo += cfg.BatchRows {
		hi := min(lo+cfg.BatchRows, n)
		b.Reserve(hi - lo)
		for i := lo; i < hi; i++ {
			fill(b, i)
		}
		out = append(out, b.NewRecordBatch())
		if hi >= n {
			return out
		}
	}
}

// buildPupils writes one row per pupil, ordered by school_year then pupil_id.
func buildPupils(cfg Config, in *input, pupils []pupilPoints) []arrow.RecordBatch {
	order := make([]int, len(pupils))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		pa, pb := &in.pupils[a], &in.pupils[b]
		return cmp.Or(cmp.Compare(pa.year, pb.year), cmp.Compare(pa.id, pb.id))
	})
	return chunked(cfg, PupilSchema, len(order), func(b *array.RecordBuilder, i int) {
		p := order[i]
		pi, pp := &in.pupils[p], pupils[p]
		s := &in.schools[pp.school]
		b.Field(0).(*array.StringBuilder).Append(pi.id)
		b.Field(1).(*array.Int32Builder).Append(pi.year)
		b.Field(2).(*array.StringBuilder).Append(s.orgnr)
		b.Field(3).(*array.StringBuilder).Append(genderNames[pi.gender])
		b.Field(4).(*array.BooleanBuilder).Append(s.public)
		b.Field(5).(*array.StringBuilder).Append(s.municipality)
		b.Field(6).(*array.StringBuilder).Append(s.county)
		b.Field(7).(*array.Int32Builder).Append(pp.subjects)
		b.Field(8).(*array.Int32Builder).Append(pp.subjectsNumeric)
		b.Field(9).(*array.Int32Builder).Append(pp.gradesNumeric)
		b.Field(10).(*array.Int32Builder).Append(pp.sum)
		if pp.tenths >= 0 {
			// The float64 nearest to tenths/10: one correctly rounded division.
			b.Field(11).(*array.Float64Builder).Append(float64(pp.tenths) / 10)
			b.Field(12).(*array.StringBuilder).AppendNull()
		} else {
			b.Field(11).(*array.Float64Builder).AppendNull()
			b.Field(12).(*array.StringBuilder).Append(excludedReason(pp))
		}
	})
}

// buildAggregates writes one row per cell, in the order of cells.
func buildAggregates(cfg Config, cells []*cell) []arrow.RecordBatch {
	return chunked(cfg, AggregateSchema, len(cells), func(b *array.RecordBuilder, i int) {
		c := cells[i]
		b.Field(0).(*array.Int32Builder).Append(c.key.year)
		b.Field(1).(*array.StringBuilder).Append(unitNames[c.key.unit])
		b.Field(2).(*array.StringBuilder).Append(c.key.code)
		b.Field(3).(*array.StringBuilder).Append(subgroupTypeNames[c.key.subgroup])
		b.Field(4).(*array.StringBuilder).Append(subgroupNames[c.key.subgroup])
		n, mean, sd := b.Field(5).(*array.Int64Builder), b.Field(6).(*array.Float64Builder), b.Field(7).(*array.Float64Builder)
		if c.decision.Suppressed() {
			n.AppendNull()
			mean.AppendNull()
			sd.AppendNull()
			b.Field(8).(*array.StringBuilder).Append("suppressed")
			b.Field(9).(*array.StringBuilder).Append(c.decision.Note)
			return
		}
		n.Append(c.n)
		mean.Append(c.mean())
		if c.n >= 2 {
			sd.Append(c.sd())
		} else {
			sd.AppendNull()
		}
		b.Field(8).(*array.StringBuilder).Append("ok")
		b.Field(9).(*array.StringBuilder).AppendNull()
	})
}
