package survey

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/codebook"
	"github.com/skolestat/skolestat/transforms"
)

// Names of the transform's inputs and outputs, as Run uses them.
const (
	InputResponses   = "responses"
	InputYears       = "years"
	InputSchools     = "schools"
	OutputRespondent = "respondents"
	OutputUnits      = "units"
	OutputIssues     = "issues"
)

// TransformConfig is the with: block of a pipeline step that runs the survey
// transform.
type TransformConfig struct {
	// Codebook names a shipped codebook ("elevundersokelsen") or is the path
	// of a codebook YAML file; the loader given to [NewTransform] resolves
	// it.
	Codebook string `yaml:"codebook"`
	// Group is the respondent group's code; empty when the codebook has
	// exactly one group.
	Group string `yaml:"group"`
	// MinRespondents overrides the group's min_respondents when > 0.
	MinRespondents int `yaml:"min_respondents"`
	// Lenient sets answers off their scale aside (into the issues output)
	// instead of failing the step.
	Lenient bool `yaml:"lenient"`
}

// Validate is called by the pipeline loader.
func (c *TransformConfig) Validate() error {
	if c.Codebook == "" {
		return errors.New("codebook is required (a shipped codebook's name or a YAML file's path)")
	}
	if c.MinRespondents < 0 {
		return fmt.Errorf("min_respondents is %d; it must be 0 (the codebook's) or at least 1", c.MinRespondents)
	}
	return nil
}

// Group returns the group named code of cb, or its only group when code is
// empty.
func Group(cb *codebook.Codebook, code string) (codebook.Group, error) {
	if code == "" {
		if len(cb.Groups) == 1 {
			return cb.Groups[0], nil
		}
		return codebook.Group{}, fmt.Errorf("codebook %s has %d groups; say which with group:", cb.Source, len(cb.Groups))
	}
	for _, g := range cb.Groups {
		if g.Code == code {
			return g, nil
		}
	}
	return codebook.Group{}, fmt.Errorf("codebook %s has no group %q", cb.Source, code)
}

// NewTransform returns the survey transform, to be registered as "survey".
// load resolves TransformConfig.Codebook (a shipped codebook's name or a
// file's path) to a codebook; it is called on every Run.
//
// Inputs: "schools" (query survey_schools: school_orgnr, municipality_code
// of core.schools), "years" (query survey_years: the school_year of every
// year with answers, ascending) and "responses" (query survey_input: the
// answers of the school year given as its one argument, in ResponsesSchema,
// ORDER BY respondent_id), opened once per year so that the warehouse sorts
// one year at a time. Outputs,
// written as [Stream] makes them: "respondents" to
// restricted.survey_respondent (RespondentSchema), "units" to
// core.survey_indices (UnitSchema), "issues" to restricted.survey_issues
// (IssueSchema).
func NewTransform(load func(ctx context.Context, ref string) (*codebook.Codebook, error)) transforms.Transform {
	return transforms.Transform{
		Doc: "survey indices per respondent and by class, school, municipality, county and nation (indicators.md §3)",
		New: func() any { return &TransformConfig{} },
		Inputs: []transforms.Binding{
			{Name: InputResponses, SQL: "survey_input"},
			{Name: InputYears, SQL: "survey_years"},
			{Name: InputSchools, SQL: "survey_schools"},
		},
		Outputs: []transforms.Binding{
			{Name: OutputRespondent, SQL: "restricted.survey_respondent"},
			{Name: OutputUnits, SQL: "core.survey_indices"},
			{Name: OutputIssues, SQL: "restricted.survey_issues"},
		},
		Run: func(ctx context.Context, config any, in transforms.Inputs, out transforms.Sink) error {
			return run(ctx, config.(*TransformConfig), in, out, load)
		},
	}
}

func run(ctx context.Context, cfg *TransformConfig, in transforms.Inputs, out transforms.Sink, load func(context.Context, string) (*codebook.Codebook, error)) error {
	cb, err := load(ctx, cfg.Codebook)
	if err != nil {
		return fmt.Errorf("loading codebook %s: %w", cfg.Codebook, err)
	}
	g, err := Group(cb, cfg.Group)
	if err != nil {
		return err
	}
	// Inputs are opened one at a time: the schools and the years first,
	// each released before the next is opened, then the responses a year at
	// a time.
	sch, err := replaySchools(ctx, in)
	if err != nil {
		return err
	}
	defer sch.Release()
	years, err := readYears(ctx, in)
	if err != nil {
		return err
	}
	responses := &yearReader{ctx: ctx, in: in, years: years}
	defer responses.Release()
	sum, err := Stream(ctx, g, sch, responses, Config{MinRespondents: cfg.MinRespondents, Lenient: cfg.Lenient},
		func(output string, b arrow.RecordBatch) error { return out.Write(ctx, output, b) })
	if err != nil || len(sum.Rejects) == 0 {
		return err
	}
	rows := make([]transforms.Reject, len(sum.Rejects))
	for i, r := range sum.Rejects {
		rows[i] = transforms.Reject{
			File: r.File, Row: r.SourceRow, Column: r.Column,
			Reason: fmt.Sprintf("survey codebook %s: %s", cfg.Codebook, r.Reason),
			Values: map[string]string{"item_code": r.ItemCode, "answer": strconv.FormatInt(r.Value, 10)},
		}
	}
	if err := out.Quarantine(ctx, QuarantineTable, rows); err != nil {
		return fmt.Errorf("quarantining %d survey answers: %w", len(rows), err)
	}
	return nil
}

// QuarantineTable is the table under which the transform quarantines the
// answers it sets aside in lenient mode: the stream of the microdata
// extract that lands restricted.survey_responses.
const QuarantineTable = "survey_responses"

// replaySchools reads the schools input into memory and releases it, so
// that the next input can be opened; the reader returned replays it.
func replaySchools(ctx context.Context, in transforms.Inputs) (array.RecordReader, error) {
	recs, err := transforms.ReadAll(ctx, in, InputSchools)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	schema := SchoolsSchema
	if len(recs) > 0 {
		schema = recs[0].Schema()
	}
	out, err := array.NewRecordReader(schema, recs)
	if err != nil {
		return nil, fmt.Errorf("reading schools: %w", err)
	}
	return out, nil
}

// readYears reads the years input.
func readYears(ctx context.Context, in transforms.Inputs) ([]int32, error) {
	var years []int32
	err := transforms.Each(ctx, in, InputYears, func(b arrow.RecordBatch) error {
		if b.NumCols() != 1 {
			return fmt.Errorf("%d columns, want 1 (school_year)", b.NumCols())
		}
		col, ok := b.Column(0).(*array.Int32)
		if !ok {
			return fmt.Errorf("school_year is %s, want int32", b.Column(0).DataType())
		}
		for i := range col.Len() {
			if col.IsValid(i) {
				years = append(years, col.Value(i))
			}
		}
		return nil
	})
	return years, err
}

// yearReader is the responses input read one school year at a time, as
// one RecordReader for [Stream]: when a year's query is exhausted it is
// released and the next year's opened, so one query is open at a time.
// It is used by one goroutine.
type yearReader struct {
	ctx   context.Context
	in    transforms.Inputs
	years []int32
	next  int
	cur   array.RecordReader
	err   error
}

// Retain does nothing: the reader has one owner, run, which releases it
// once.
func (r *yearReader) Retain() {}

// Release releases the open year's query.
func (r *yearReader) Release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *yearReader) Schema() *arrow.Schema {
	if r.cur != nil {
		return r.cur.Schema()
	}
	return ResponsesSchema
}

func (r *yearReader) Next() bool {
	for r.err == nil {
		if r.cur != nil {
			if r.cur.Next() {
				return true
			}
			r.err = r.cur.Err()
			r.cur.Release()
			r.cur = nil
			continue
		}
		if r.next == len(r.years) {
			return false
		}
		y := r.years[r.next]
		r.next++
		r.cur, r.err = r.in.Open(r.ctx, InputResponses, y)
		if r.err != nil {
			r.err = fmt.Errorf("opening the answers of school year %d: %w", y, r.err)
		}
	}
	return false
}

func (r *yearReader) RecordBatch() arrow.RecordBatch { return r.cur.RecordBatch() }

// Record is RecordBatch, for the RecordReader interface.
func (r *yearReader) Record() arrow.RecordBatch { return r.cur.RecordBatch() }

func (r *yearReader) Err() error { return r.err }
