package survey

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/codebook"
	"github.com/skolestat/skolestat/transforms"
)

// Names of the transform's inputs and outputs, as Run uses them.
const (
	InputResponses   = "responses"
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
// Inputs: "responses" (query survey_input: restricted.survey_responses in
// ResponsesSchema, ORDER BY school_year, respondent_id) and "schools" (query
// survey_schools: school_orgnr, municipality_code of core.schools). Outputs:
// "respondents" to restricted.survey_respondent (RespondentSchema), "units"
// to core.survey_indices (UnitSchema), "issues" to restricted.survey_issues
// (IssueSchema).
func NewTransform(load func(ctx context.Context, ref string) (*codebook.Codebook, error)) transforms.Transform {
	return transforms.Transform{
		Doc: "survey indices per respondent and by class, school, municipality, county and nation (indicators.md §3)",
		New: func() any { return &TransformConfig{} },
		Inputs: []transforms.Binding{
			{Name: InputResponses, SQL: "survey_input"},
			{Name: InputSchools, SQL: "survey_schools"},
		},
		Outputs: []transforms.Binding{
			{Name: OutputRespondent, SQL: "restricted.survey_respondent"},
			{Name: OutputUnits, SQL: "core.survey_indices"},
			{Name: OutputIssues, SQL: "restricted.survey_issues"},
		},
		Run: func(ctx context.Context, config any, in transforms.Inputs) (transforms.Outputs, error) {
			return run(ctx, config.(*TransformConfig), in, load)
		},
	}
}

func run(ctx context.Context, cfg *TransformConfig, in transforms.Inputs, load func(context.Context, string) (*codebook.Codebook, error)) (transforms.Outputs, error) {
	cb, err := load(ctx, cfg.Codebook)
	if err != nil {
		return nil, fmt.Errorf("loading codebook %s: %w", cfg.Codebook, err)
	}
	g, err := Group(cb, cfg.Group)
	if err != nil {
		return nil, err
	}
	// Inputs are opened one at a time: the schools first, released before
	// the responses are opened.
	schools, err := in.Open(ctx, InputSchools)
	if err != nil {
		return nil, err
	}
	sch, err := readSchoolsReleasing(ctx, schools)
	if err != nil {
		return nil, err
	}
	responses, err := in.Open(ctx, InputResponses)
	if err != nil {
		return nil, err
	}
	defer responses.Release()
	res, err := Compute(ctx, g, sch, responses, Config{MinRespondents: cfg.MinRespondents, Lenient: cfg.Lenient})
	sch.Release()
	if err != nil {
		return nil, err
	}
	return transforms.Outputs{
		OutputRespondent: {Schema: RespondentSchema, Records: res.Respondents},
		OutputUnits:      {Schema: UnitSchema, Records: res.Units},
		OutputIssues:     {Schema: IssueSchema, Records: res.Issues},
	}, nil
}

// readSchoolsReleasing copies the schools input into memory and releases
// the reader, so that the next input can be opened.
func readSchoolsReleasing(ctx context.Context, rdr array.RecordReader) (array.RecordReader, error) {
	defer rdr.Release()
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for rdr.Next() {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("reading schools: %w", err)
		}
		r := rdr.RecordBatch()
		r.Retain()
		recs = append(recs, r)
	}
	if err := rdr.Err(); err != nil {
		return nil, fmt.Errorf("reading schools: %w", err)
	}
	out, err := array.NewRecordReader(rdr.Schema(), recs)
	if err != nil {
		return nil, fmt.Errorf("reading schools: %w", err)
	}
	return out, nil
}
