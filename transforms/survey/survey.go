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
//     status "suppressed" and null n, mean and SD (never 0), and so is a cell
//     suppressed to protect one (below).
//
// Units: a respondent counts in its class (when class_id is not null; a
// class is identified within its school), school, the school's municipality
// and county (the first two digits of the municipality code) and the
// nation; in each, in grade "all" and its own grade, and in gender "all"
// and its own gender when given.
//
// # Suppression
//
// Primary suppression (n < min_respondents) is followed by complementary
// suppression (§6), with package disclosure, so that a suppressed cell's n,
// sum of scores and sum of squares (hence mean and SD) cannot be had by
// subtracting published cells from a published total. Each index is a table
// of its own (its respondents differ), with cells that hold at least one
// respondent and these partitions, parent = sum of children:
//
//   - a school's (grade, gender) cell = its classes' cells, plus its
//     respondents without a class;
//   - a municipality's = its schools', a county's = its municipalities', the
//     nation's = its counties';
//   - a unit's (grade, all) = its (grade, G) + (grade, J), plus its
//     respondents without a gender;
//   - a unit's (all, gender) = its cells of each grade and that gender.
//
// The respondents without a class or a gender are never published as such;
// they enter as disclosure's hidden cells: unknowns that protect (a school
// with one small class and a few pupils without a class needs no more), and
// that are themselves protected when they are fewer than min_respondents
// (all - G - J must not give the 3 pupils without a gender). A remainder of
// at least min_respondents may be revealed by subtraction: its value rests
// on enough respondents. A cell suppressed to protect another has status
// "suppressed" like a primary one; the suppression column says why.
//
// What this protects and what it does not (see package disclosure, Limits):
// every partition above holds no suppressed cell or at least two (or only a
// remainder of at least min_respondents), and a published parent's
// suppressed parts rest together on at least min_respondents. Not protected:
// combinations of equations across partitions (a cell narrowed to an
// interval by several totals together); differences between indices, years
// or other tables over the same pupils (a respondent who left out one index
// makes the cells of two indices differ by one person, and two published
// cells of different indices can differ by fewer than min_respondents); and
// other groupings than those above. With min_respondents 1 nothing is
// suppressed.
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
	"cmp"
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
	// File and SourceRow are the source_file and source_row of the row when
	// the input carries them (survey_input does), else "" and 0.
	File      string
	SourceRow int64
	Column    string
	ItemCode  string
	Value     int64
	Reason    string
}

// UnknownItem is an item_code that is none of the group's items (its
// indices', bullying or other items), with the number of rows that carry
// it: lenient mode only. Its rows are set aside, each also a Reject.
type UnknownItem struct {
	Code string
	Rows int64
}

// Summary is what [Stream] reports besides its output batches.
type Summary struct {
	UnknownItems []UnknownItem // sorted by code
	Rejects      []Reject      // in input order

	Rows            int64 // response rows read
	RespondentsRead int64 // respondents (respondent_id, school_year) read
}

// Result is the output of [Compute]. The caller owns the batches and must
// call Release when done with them.
type Result struct {
	// Respondents has RespondentSchema. Personal data.
	Respondents []arrow.RecordBatch
	// Units has UnitSchema, school years in ascending order.
	Units []arrow.RecordBatch
	// Issues has IssueSchema: UnknownItems and Rejects as a table.
	Issues []arrow.RecordBatch
	Summary
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

// Sink receives the output batches of [Stream] as they are made: output is
// [OutputRespondent], [OutputUnits] or [OutputIssues]. Stream releases b
// when Sink returns; a sink that keeps b retains it. An error from the sink
// stops Stream, which returns it.
type Sink func(output string, b arrow.RecordBatch) error

// Compute is [Stream] with every output batch kept in memory: for tests,
// benchmarks and small inputs. Each output has at least one batch (empty
// when it has no rows), and the units are ordered by school year whatever
// the order of the years in the input.
func Compute(ctx context.Context, g codebook.Group, schools, responses array.RecordReader, cfg Config) (*Result, error) {
	res := &Result{}
	sum, err := Stream(ctx, g, schools, responses, cfg, func(output string, b arrow.RecordBatch) error {
		b.Retain()
		switch output {
		case OutputRespondent:
			res.Respondents = append(res.Respondents, b)
		case OutputUnits:
			res.Units = append(res.Units, b)
		default:
			res.Issues = append(res.Issues, b)
		}
		return nil
	})
	if err != nil {
		res.Release()
		return nil, err
	}
	res.Summary = *sum
	// Each unit batch holds one school year (finishYear cuts at the year).
	slices.SortStableFunc(res.Units, func(a, b arrow.RecordBatch) int {
		return cmp.Compare(a.Column(0).(*array.Int32).Value(0), b.Column(0).(*array.Int32).Value(0))
	})
	mem := cfg.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	for _, o := range []struct {
		recs   *[]arrow.RecordBatch
		schema *arrow.Schema
	}{{&res.Respondents, RespondentSchema}, {&res.Units, UnitSchema}, {&res.Issues, IssueSchema}} {
		if len(*o.recs) == 0 {
			*o.recs = []arrow.RecordBatch{emptyBatch(mem, o.schema)}
		}
	}
	return res, nil
}

// Stream reads schools, then every batch of responses, and writes the
// respondent scores, unit scores and issues of group g to sink as they are
// made: respondents in batches of cfg.BatchRows rows, a school year's units
// when the year ends (in the order the years come in the input), the
// issues at the end. Memory holds one school year's respondents and cells,
// never the whole output.
//
// g may come from codebook.Load or Builtin, or be built in Go: zero fields
// take the defaults of indicators.md §3 (scale 1-5, min_items half the items
// rounded up, min_respondents 10, bullying threshold 3), and g is checked as
// Load would. Stream calls Next on each reader until it returns false and
// then checks Err; it does not retain or release them.
//
// It fails on: a missing or mistyped column; a null where none may be; a
// school_orgnr not in schools; a gender other than G or J; a respondent
// whose rows disagree on school, grade, class_id or gender, or repeat an
// item; rows out of the order described in the package documentation; and,
// unless cfg.Lenient, an answer off its item's scale or an item code that is
// none of the group's items (see codebook.Group.OtherItems). Batches already
// written to sink stay written: the caller discards them (the runner rolls
// the step back). Errors name the batch and row (both 1-based), the file
// and row when the input carries source_file and source_row, and the
// column, never a respondent id. In lenient mode such answers and rows are
// listed in Summary.Rejects, unknown items also counted in
// Summary.UnknownItems. Stream checks ctx between batches.
func Stream(ctx context.Context, g codebook.Group, schools, responses array.RecordReader, cfg Config, sink Sink) (*Summary, error) {
	if cfg.BatchRows < 0 {
		return nil, fmt.Errorf("checking config: BatchRows %d is negative", cfg.BatchRows)
	}
	if cfg.BatchRows == 0 {
		cfg.BatchRows = DefaultBatchRows
	}
	if cfg.Allocator == nil {
		cfg.Allocator = memory.DefaultAllocator
	}
	if schools == nil || responses == nil || sink == nil {
		return nil, errors.New("computing survey indices: nil input reader or sink")
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
	defer e.release()
	batch := int64(0)
	for responses.Next() {
		batch++
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("reading survey responses: %w", err)
		}
		if err := e.add(batch, responses.RecordBatch()); err != nil {
			if ie := (internalError{}); errors.As(err, &ie) {
				return nil, fmt.Errorf("computing survey indices: %w", err)
			}
			if file, row, ok := sourceOf(responses.RecordBatch(), e.at); ok {
				return nil, &InputError{fmt.Errorf("reading survey responses: %s row %d: batch %d, %w", file, row, batch, err)}
			}
			return nil, &InputError{fmt.Errorf("reading survey responses: batch %d, %w", batch, err)}
		}
		if err := e.drain(sink, false); err != nil {
			return nil, err
		}
	}
	if err := responses.Err(); err != nil {
		return nil, fmt.Errorf("reading survey responses: %w", err)
	}
	if err := e.finishYear(); err != nil {
		return nil, err
	}
	if err := e.drain(sink, true); err != nil {
		return nil, err
	}
	sum := &Summary{Rows: e.rows, RespondentsRead: e.respondents, Rejects: e.rejects}
	for i, n := range e.unknownRows {
		if n > 0 {
			sum.UnknownItems = append(sum.UnknownItems, UnknownItem{Code: p.items[p.known+i].code, Rows: n})
		}
	}
	slices.SortFunc(sum.UnknownItems, func(a, b UnknownItem) int { return cmp.Compare(a.Code, b.Code) })
	if len(sum.UnknownItems) > 0 || len(sum.Rejects) > 0 {
		issues := buildIssues(cfg, sum.UnknownItems, sum.Rejects)
		err := sink(OutputIssues, issues)
		issues.Release()
		if err != nil {
			return nil, fmt.Errorf("writing survey issues: %w", err)
		}
	}
	return sum, nil
}

// drain hands the finished output batches to sink and releases them; last
// also flushes the respondents still in the builder.
func (e *engine) drain(sink Sink, last bool) error {
	resp := e.respBatches
	if last {
		resp = e.flushRespondents()
	}
	e.respBatches = nil
	units := e.unitBatches
	e.unitBatches = nil
	var err error
	for _, part := range []struct {
		name string
		bs   []arrow.RecordBatch
	}{{OutputRespondent, resp}, {OutputUnits, units}} {
		for _, b := range part.bs {
			if err == nil {
				if err = sink(part.name, b); err != nil {
					err = fmt.Errorf("writing survey %s: %w", part.name, err)
				}
			}
			b.Release()
		}
	}
	return err
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
