// Package gsp computes grunnskolepoeng (grade points) from pupils' final
// grades of grade 10, per pupil and as aggregates by school, municipality,
// county and nation, with disclosure control (shared/spec/indicators.md §2
// and §6).
//
// It is a pure transform: Arrow record batches in ([InputSchema]), Arrow
// record batches out ([PupilSchema], [AggregateSchema]); no I/O, no globals,
// no clock. The same input, in any row order and any split into batches,
// gives the same output.
//
// # Method
//
// A pupil is a (pupil_id, school_year). Every numeric grade (1-6) counts,
// standpunkt and exams alike, over all subjects; IV (not assessed), F (exempt)
// and D (participated) are not numbers. The subjects on the diploma are the
// distinct subject_code of the pupil's rows that year, and a subject has a
// numeric grade when any of its grades is numeric. A pupil gets points only
// when the subjects with a numeric grade are more than half of the subjects
// (exactly half is not enough); otherwise the pupil is excluded, with the
// reason, and is not counted as 0.
//
//	gsp = round(sum / count, 2) * 10
//
// with the rounding half away from zero done exactly in integers on the sum
// and count of the numeric grades (33/8 = 4.125 gives 4.13 and 41.3), never
// by rounding a floating-point mean. gsp is then the float64 nearest to a
// number of tenths between 10.0 and 60.0.
//
// The pupil's school is the school_orgnr on most of the pupil's rows that
// year; on a tie, the smallest orgnr. The pupil's owner type, municipality
// and county are those of that school; gender is the pupil's (the same on all
// the pupil's rows).
//
// # Aggregates
//
// Each pupil with points counts in their school, municipality, county and
// the nation, in subgroup all and in their gender; in municipality, county
// and nation also in their school's owner type (public or private). Only
// cells with at least one pupil with points exist. n, the unrounded mean and
// the sample standard deviation (n - 1) are computed from exact integer sums
// of the pupils' points in tenths and of their squares, so they carry no
// accumulated rounding error.
//
// Disclosure control runs per school year with package disclosure: a cell
// with n < MinPupils is suppressed (primary), and complementary suppression
// runs over these complete partitions: a unit = its G + its J; a
// municipality, county or nation = its public + its private; a municipality
// = its schools (in all, in G, in J); its public (private) cells = its public
// (private) schools; a county = its municipalities, and the nation = its
// counties, subgroup by subgroup. See package disclosure for what this
// guarantees and what it does not.
package gsp

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DefaultMinPupils is the threshold of indicators.md §6: fewer pupils than
// this and a cell is not published.
const DefaultMinPupils = 10

// DefaultBatchRows is the number of rows per output batch when Config leaves
// it 0, the warehouse's preferred load size.
const DefaultBatchRows = 122_880

// Config holds the parameters of [Compute]. The zero value is the documented
// default.
type Config struct {
	// MinPupils is the smallest n published; 0 means DefaultMinPupils. 1
	// turns primary suppression off (every existing cell has n >= 1).
	MinPupils int64
	// BatchRows caps the rows per output batch; 0 means DefaultBatchRows.
	BatchRows int
	// Allocator allocates the output; nil means memory.DefaultAllocator.
	Allocator memory.Allocator
}

func (c Config) withDefaults() (Config, error) {
	if c.MinPupils < 0 {
		return c, fmt.Errorf("checking config: MinPupils %d is negative", c.MinPupils)
	}
	if c.BatchRows < 0 {
		return c, fmt.Errorf("checking config: BatchRows %d is negative", c.BatchRows)
	}
	if c.MinPupils == 0 {
		c.MinPupils = DefaultMinPupils
	}
	if c.BatchRows == 0 {
		c.BatchRows = DefaultBatchRows
	}
	if c.Allocator == nil {
		c.Allocator = memory.DefaultAllocator
	}
	return c, nil
}

// Result is the output of [Compute]. The caller owns the batches and must
// call Release when done with them.
type Result struct {
	// Pupils has PupilSchema: every pupil, with points or excluded. Personal
	// data.
	Pupils []arrow.RecordBatch
	// Aggregates has AggregateSchema: every unit and subgroup cell, published
	// or suppressed.
	Aggregates []arrow.RecordBatch
}

// Release releases every batch. It is safe to call more than once.
func (r *Result) Release() {
	for _, b := range r.Pupils {
		b.Release()
	}
	for _, b := range r.Aggregates {
		b.Release()
	}
	r.Pupils, r.Aggregates = nil, nil
}

// Compute reads every batch of in and returns the pupil-level and aggregate
// outputs.
//
// in may deliver rows in any order, a pupil's rows spread over several
// batches; to pass a slice, wrap it with array.NewRecordReader(schema,
// batches). Compute calls Next until it returns false and then checks Err; it
// does not retain or release in, and keeps nothing of it after returning.
// Reading holds the input compactly in memory (about 16 bytes per row plus
// one copy of each distinct pupil id and code).
//
// Compute checks ctx between batches and between stages. It fails, returning
// no output, on a missing or mistyped column, a null, an unknown grade,
// grade_type or gender code, a pupil with two genders, a school with two
// owners, municipalities or counties in one year, a municipality in two
// counties in one year, or a repeated (pupil_id, school_year, subject_code,
// grade_type). Errors name the batch and row (both 1-based), never a pupil id.
func Compute(ctx context.Context, in array.RecordReader, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if in == nil {
		return nil, errors.New("computing grade points: nil input reader")
	}
	inp := newInput()
	for in.Next() {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("reading grade rows: %w", err)
		}
		if err := inp.add(in.RecordBatch()); err != nil {
			return nil, fmt.Errorf("reading grade rows: %w", err)
		}
	}
	if err := in.Err(); err != nil {
		return nil, fmt.Errorf("reading grade rows: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("computing pupil points: %w", err)
	}
	pupils, err := inp.points()
	if err != nil {
		return nil, fmt.Errorf("computing pupil points: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("aggregating grade points: %w", err)
	}
	cells, err := aggregate(inp, pupils, cfg.MinPupils)
	if err != nil {
		return nil, fmt.Errorf("aggregating grade points: %w", err)
	}
	res := &Result{
		Pupils:     buildPupils(cfg, inp, pupils),
		Aggregates: buildAggregates(cfg, cells),
	}
	return res, nil
}
