package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Metadata describes the rules behind a [Result], as schema key-value
// metadata (keys "profile.<parameter>"), so an exported table says how it
// was made.
func (c Config) Metadata() arrow.Metadata {
	idx := make([]string, len(c.Indices))
	for i, ix := range c.Indices {
		idx[i] = ix.Code
		if ix.LowerIsBetter {
			idx[i] += " (lower is better)"
		}
	}
	kv := [][2]string{
		{"profile.windows", WindowLabel(c.FirstWindow) + " .. " + WindowLabel(c.FirstWindow+c.Windows-1)},
		{"profile.levels", strings.Join(c.Levels, ",")},
		{"profile.sbi_rule", c.SBIRule},
		{"profile.z", strconv.FormatFloat(c.Z, 'g', -1, 64)},
		{"profile.progression_rule", c.ProgressionRule},
		{"profile.min_step", strconv.FormatFloat(c.MinStep, 'g', -1, 64)},
		{"profile.min_slope", strconv.FormatFloat(c.MinSlope, 'g', -1, 64)},
		{"profile.survey_rule", c.SurveyRule},
		{"profile.survey_k", strconv.Itoa(c.SurveyK)},
		{"profile.indices", strings.Join(idx, ",")},
		{"profile.bullying_tolerance", strconv.FormatFloat(c.BullyingTolerance, 'g', -1, 64)},
		{"profile.min_pupils_per_level", strconv.Itoa(c.MinPupils)},
		{"profile.size_rule", c.SizeRule},
	}
	keys, vals := make([]string, len(kv)), make([]string, len(kv))
	for i, p := range kv {
		keys[i], vals[i] = p[0], p[1]
	}
	return arrow.NewMetadata(keys, vals)
}

// Metadata describes the choices behind [Stability]'s rows, as schema
// key-value metadata (keys "stability.<parameter>").
func (c StabilityConfig) Metadata() arrow.Metadata {
	return arrow.NewMetadata(
		[]string{"stability.lag", "stability.min_schools", "stability.min_pupils"},
		[]string{strconv.Itoa(c.Lag), strconv.Itoa(c.MinSchools), strconv.Itoa(c.MinPupils)})
}

// Records builds the three profile outputs of r, each schema carrying
// r.Config.Metadata(). The caller releases the batches.
func (r *Result) Records(mem memory.Allocator) (profiles, counts, representatives arrow.RecordBatch) {
	md := r.Config.Metadata()
	return ProfileRecord(mem, r.Schools, md), CountRecord(mem, r.Counts, md), RepresentativeRecord(mem, r.Representatives, md)
}

func withMetadata(s *arrow.Schema, md arrow.Metadata) *arrow.Schema {
	return arrow.NewSchema(s.Fields(), &md)
}

func build(mem memory.Allocator, s *arrow.Schema, md arrow.Metadata, n int, fill func(b *array.RecordBuilder, i int)) arrow.RecordBatch {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	b := array.NewRecordBuilder(mem, withMetadata(s, md))
	defer b.Release()
	b.Reserve(n)
	for i := range n {
		fill(b, i)
	}
	return b.NewRecordBatch()
}

func appendFloat(b *array.Float64Builder, v float64, ok bool) {
	if ok {
		b.Append(v)
	} else {
		b.AppendNull()
	}
}

func appendInt(b *array.Int32Builder, v int, ok bool) {
	if ok {
		b.Append(int32(v))
	} else {
		b.AppendNull()
	}
}

func appendString(b *array.StringBuilder, v string, ok bool) {
	if ok {
		b.Append(v)
	} else {
		b.AppendNull()
	}
}

// ProfileRecord writes schools as one batch of [ProfileSchema] with
// metadata md (may be empty). A nil mem means memory.DefaultAllocator.
func ProfileRecord(mem memory.Allocator, schools []SchoolProfile, md arrow.Metadata) arrow.RecordBatch {
	return build(mem, ProfileSchema, md, len(schools), func(b *array.RecordBuilder, i int) {
		s := &schools[i]
		label := NotProfiled
		if s.Complete {
			label = s.Profile.String()
		}
		b.Field(0).(*array.StringBuilder).Append(s.School)
		b.Field(1).(*array.StringBuilder).Append(s.Level)
		b.Field(2).(*array.StringBuilder).Append(label)
		for j, p := range AllProfiles {
			b.Field(3 + j).(*array.BooleanBuilder).Append(s.Profile.Has(p))
		}
		appendFloat(b.Field(7).(*array.Float64Builder), s.MeanEffect, s.Complete)
		appendFloat(b.Field(8).(*array.Float64Builder), s.Slope, s.Complete)
		b.Field(9).(*array.Int32Builder).Append(int32(s.Windows))
		appendInt(b.Field(10).(*array.Int32Builder), s.NPupils, s.Latest)
		mf := b.Field(11).(*array.BooleanBuilder)
		if s.Complete {
			mf.Append(s.MissingFacts)
		} else {
			mf.AppendNull()
		}
	})
}

// CountRecord writes counts as one batch of [CountSchema].
func CountRecord(mem memory.Allocator, counts []Count, md arrow.Metadata) arrow.RecordBatch {
	return build(mem, CountSchema, md, len(counts), func(b *array.RecordBuilder, i int) {
		c := &counts[i]
		b.Field(0).(*array.StringBuilder).Append(c.Level)
		b.Field(1).(*array.StringBuilder).Append(c.Category)
		b.Field(2).(*array.Int32Builder).Append(int32(c.Schools))
	})
}

// RepresentativeRecord writes reps as one batch of [RepresentativeSchema].
func RepresentativeRecord(mem memory.Allocator, reps []Representative, md arrow.Metadata) arrow.RecordBatch {
	return build(mem, RepresentativeSchema, md, len(reps), func(b *array.RecordBuilder, i int) {
		r := &reps[i]
		ok := r.School != ""
		b.Field(0).(*array.StringBuilder).Append(r.Level)
		b.Field(1).(*array.StringBuilder).Append(r.Profile.String())
		appendString(b.Field(2).(*array.StringBuilder), r.School, ok)
		appendFloat(b.Field(3).(*array.Float64Builder), r.MeanEffect, ok)
		appendFloat(b.Field(4).(*array.Float64Builder), r.Slope, ok)
		appendInt(b.Field(5).(*array.Int32Builder), r.NPupils, ok)
		b.Field(6).(*array.Int32Builder).Append(int32(r.Candidates))
		b.Field(7).(*array.Int32Builder).Append(int32(r.Eligible))
	})
}

// StabilityRecord writes rows as one batch of [StabilitySchema], with
// metadata md (may be empty). It panics on an unknown measure, which
// [Stability] never produces.
func StabilityRecord(mem memory.Allocator, rows []StabilityRow, md arrow.Metadata) arrow.RecordBatch {
	return build(mem, StabilitySchema, md, len(rows), func(b *array.RecordBuilder, i int) {
		r := &rows[i]
		var corr bool
		switch r.Measure {
		case MeasureYearToYear, MeasureSameCohort:
			corr = true
		case MeasureReliability:
		default:
			panic(fmt.Sprintf("profile: unknown stability measure %q", r.Measure))
		}
		b.Field(0).(*array.StringBuilder).Append(r.Measure)
		b.Field(1).(*array.StringBuilder).Append(r.Level)
		b.Field(2).(*array.StringBuilder).Append(WindowLabel(r.First))
		appendString(b.Field(3).(*array.StringBuilder), r.ToLevel, corr)
		appendString(b.Field(4).(*array.StringBuilder), WindowLabel(r.ToFirst), corr)
		b.Field(5).(*array.Int32Builder).Append(int32(r.Schools))
		appendFloat(b.Field(6).(*array.Float64Builder), r.R, corr && r.Defined)
		rel := !corr && r.Defined
		appendFloat(b.Field(7).(*array.Float64Builder), r.MeanSE2, rel)
		appendFloat(b.Field(8).(*array.Float64Builder), r.VarEffect, rel)
		appendFloat(b.Field(9).(*array.Float64Builder), r.NoiseShare, rel)
		appendFloat(b.Field(10).(*array.Float64Builder), r.Reliability, rel)
	})
}
