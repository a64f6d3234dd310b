// Package survey computes survey indices (Elevundersøkelsen style, or any
// instrument with a codebook) from item-level answers: a score per
// respondent and index, and per unit (class, school, municipality, county,
// nation) by grade and gender the n, mean and standard deviation of the
// scores, with small units suppressed (shared/spec/indicators.md §3 and §6).
//
// It is a pure transform: Arrow record batches in ([ResponsesSchema],
// [SchoolsSchema]), Arrow record batches out ([RespondentSchema],
// [UnitSchema], [IssueSchema]); no I/O, no globals, no clock.
//
// # Method
//
// A respondent is a (respondent_id, school_year). Its school, grade,
// class_id and gender are the same on all its rows (else bad input). The
// codebook group (package codebook) says which items make each index.
//
//   - A reverse-keyed answer a on the index's scale lo..hi counts as lo+hi-a.
//   - Respondent score = the mean of the respondent's answered items of the
//     index, when at least min_items are answered; otherwise the respondent
//     is left out of that index (and stays in the others).
//   - Unit score = the mean of the scores of the unit's respondents, with the
//     sample standard deviation (divisor n-1, as R's sd(): a unit's
//     respondents are read as a sample of the pupils the unit could have
//     had, and it is the convention of the grade-point aggregates) and n.
//   - Bullying index, 0-100: among the respondents who answered at least one
//     bullying item, the percentage with an answer >= the threshold (default
//     3) on at least one of them; its n is that denominator. Each such
//     respondent scores 100 or 0, and the unit's mean, SD and n are those of
//     these scores, so the mean is the share.
//   - A unit cell with n < min_respondents (default 10) is published with
//     status "suppressed" and null n, mean and SD (never 0).
//
// Units: a respondent counts in its class (when class_id is not null; a
// class is identified within its school), school, the school's municipality
// and county (the first two digits of the municipality code) and the
// nation; in each, in grade "all" and its own grade, and in gender "all"
// and its own gender when given.
//
// Only primary suppression is applied. Complementary suppression (§6) is not:
// the unit cells do not form complete partitions (respondents without
// gender or class count in "all" only), and each index has its own
// respondents; see the package's report for what that leaves open.
//
// # Streaming
//
// The responses are read once, batch by batch, and never held: memory grows
// with the respondents and unit cells of one school year (and with the
// output), not with the rows. For that the input must keep each school
// year's rows together and, within it, each respondent's rows together (the
// simulator writes them so; a query gets it with ORDER BY school_year,
// respondent_id). Compute checks both and fails naming the row when they do
// not hold.
package survey

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/codebook"
)

// DefaultBatchRows is the number of rows per output batch when Config leaves
// it 0, the warehouse's preferred load size.
const DefaultBatchRows = 122_880

// Config holds the parameters of [Compute]. The zero value is the documented
// default.
type Config struct {
	// MinRespondents, when > 0, overrides the group's MinRespondents (which,
	// when 0, means DefaultMinRespondents). 1 turns suppression off.
	MinRespondents int
	// Lenient sets aside answers off their item's scale (counted as not
	// answered, listed in Result.Rejects) instead of failing.
	Lenient bool
	// BatchRows caps the rows per output batch; 0 means DefaultBatchRows.
	BatchRows int
	// Allocator allocates the output; nil means memory.DefaultAllocator.
	Allocator memory.Allocator
}

// Reject is an answer set aside in lenient mode.
type Reject struct {
	Batch, Row int64 // 1-based, in the responses input
	Column     string
	ItemCode   string
	Value      int64
	Reason     string
}

// UnknownItem is an item_code that no index of the group knows, with the
// number of rows that carry it. Its rows are not used.
type UnknownItem struct {
	Code string
	Rows int64
}

// Result is the output of [Compute]. The caller owns the batches and must
// call Release when done with them.
type Result struct {
	// Respondents has RespondentSchema. Personal data.
	Respondents []arrow.RecordBatch
	// Units has UnitSchema.
	Units []arrow.RecordBatch
	// Issues has IssueSchema: UnknownItems and Rejects as a table.
	Issues []arrow.RecordBatch

	UnknownItems []UnknownItem // sorted by code
	Rejects      []Reject      // in input order

	Rows            int64 // response rows read
	RespondentsRead int64 // respondents (respondent_id, school_year) read
}

// Release releases every batch. It is safe to call more than once.
func (r *Result) Release() {
	for _, bs := range [][]arrow.RecordBatch{r.Respondents, r.Units, r.Issues} {
		for _, b := range bs {
			b.Release()
		}
	}
	r.Respondents, r.Units, r.Issues = nil, nil, nil
}

// Compute reads schools, then every batch of responses, and returns the
// respondent scores and unit scores of group g.
//
// g may come from codebook.Load or Builtin, or be built in Go: zero fields
// take the defaults of indicators.md §3 (scale 1-5, min_items half the items
// rounded up, min_respondents 10, bullying threshold 3), and g is checked as
// Load would. Compute calls Next on each reader until it returns false and
// then checks Err; it does not retain or release them.
//
// It fails, returning no output, on: a missing or mistyped column; a null
// where none may be; a school_orgnr not in schools; a gender other than G or
// J; a respondent whose rows disagree on school, grade, class_id or gender,
// or repeat an item; rows out of the order described in the package
// documentation; and, unless cfg.Lenient, an answer off its item's scale.
// Errors name the batch and row (both 1-based) and the column, never a
// respondent id. Item codes the group does not know are not an error: they
// are counted in Result.UnknownItems. Compute checks ctx between batches.
func Compute(ctx context.Context, g codebook.Group, schools, responses array.RecordReader, cfg Config) (*Result, error) {
	if cfg.BatchRows < 0 {
		return nil, fmt.Errorf("checking config: BatchRows %d is negative", cfg.BatchRows)
	}
	if cfg.BatchRows == 0 {
		cfg.BatchRows = DefaultBatchRows
	}
	if cfg.Allocator == nil {
		cfg.Allocator = memory.DefaultAllocator
	}
	if schools == nil || responses == nil {
		return nil, errors.New("computing survey indices: nil input reader")
	}
	p, err := compile(g, cfg.MinRespondents)
	if err != nil {
		return nil, fmt.Errorf("checking codebook group: %w", err)
	}
	sch, err := readSchools(ctx, schools)
	if err != nil {
		return nil, fmt.Errorf("reading schools: %w", err)
	}
	e := newEngine(p, cfg, sch)
	ok := false
	defer func() {
		if !ok {
			e.release()
		}
	}()
	batch := int64(0)
	for responses.Next() {
		batch++
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("reading survey responses: %w", err)
		}
		if err := e.add(batch, responses.RecordBatch()); err != nil {
			if file, row, ok := sourceOf(responses.RecordBatch(), e.at); ok {
				return nil, &InputError{fmt.Errorf("reading survey responses: %s row %d: batch %d, %w", file, row, batch, err)}
			}
			return nil, &InputError{fmt.Errorf("reading survey responses: batch %d, %w", batch, err)}
		}
	}
	if err := responses.Err(); err != nil {
		return nil, fmt.Errorf("reading survey responses: %w", err)
	}
	e.finishYear()
	res := &Result{Rows: e.rows, RespondentsRead: e.respondents, Rejects: e.rejects}
	res.Respondents = e.flushRespondents()
	years := make([]int32, 0, len(e.unitBatches))
	for y := range e.unitBatches {
		years = append(years, y)
	}
	slices.Sort(years)
	for _, y := range years {
		res.Units = append(res.Units, e.unitBatches[y]...)
	}
	if len(res.Units) == 0 {
		res.Units = []arrow.RecordBatch{emptyBatch(cfg.Allocator, UnitSchema)}
	}
	for i, n := range e.unknownRows {
		if n > 0 {
			res.UnknownItems = append(res.UnknownItems, UnknownItem{Code: p.items[p.known+i].code, Rows: n})
		}
	}
	slices.SortFunc(res.UnknownItems, func(a, b UnknownItem) int {
		switch {
		case a.Code < b.Code:
			return -1
		case a.Code > b.Code:
			return 1
		}
		return 0
	})
	res.Issues = buildIssues(cfg, res.UnknownItems, res.Rejects)
	ok = true
	return res, nil
}

func emptyBatch(mem memory.Allocator, schema *arrow.Schema) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	return b.NewRecordBatch()
}

// InputError is bad input in the answers (an answer off its scale, a
// respondent's rows that disagree or are not together, an unknown school):
// trying again will not help. It marks itself as bad input for the runner
// and the exit code (2).
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// BadInput marks the error as bad input.
func (e *InputError) BadInput() bool { return true }
