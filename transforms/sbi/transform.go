package sbi

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/transforms"
)

// Names of the transform's inputs (its own names; the queries are sbi_<name>).
const (
	InputPupils        = "pupils"
	InputEnrolments    = "enrolments"
	InputNationalTests = "national_tests"
	InputGrades        = "grades"
	InputSchools       = "schools"
)

// TransformConfig is the with: block of a pipeline step that runs the sbi
// transform.
type TransformConfig struct {
	// Model is fixed (default) or mixed.
	Model string `yaml:"model"`
	// MinPupils is the disclosure threshold; 0 means 10.
	MinPupils int `yaml:"min_pupils"`
	// Windows are labels such as "2018+2019", separated by commas (a
	// pipeline parameter is one value); empty means every window the data
	// cover.
	Windows string `yaml:"windows"`
}

// Validate is called by the pipeline loader.
func (c *TransformConfig) Validate() error {
	_, err := c.options()
	return err
}

func (c *TransformConfig) options() (Options, error) {
	o := Options{Model: c.Model, MinPupils: c.MinPupils}
	for _, s := range strings.Split(c.Windows, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		w, err := ParseWindow(s)
		if err != nil {
			return o, err
		}
		o.Windows = append(o.Windows, w)
	}
	return o.withDefaults()
}

// NewTransform returns the school contribution transform, to be registered
// as "sbi".
//
// Inputs, each opened once, read whole into memory and released before the
// next is opened: "schools" (query sbi_schools: school_orgnr,
// municipality_code, public), then "enrolments", "pupils", "national_tests"
// and "grades" (queries sbi_<name>, the contract columns of
// connectors/microdata; see [Inputs] for what Build requires of them). The
// microdata stay in memory for the whole run (every level and window is
// built from them). Outputs, written once everything is computed: "schools"
// to core.sbi_school (SchoolSchema), "aggregates" to core.sbi_aggregate
// (AggregateSchema), "runs" to core.sbi_run (RunSchema).
func NewTransform() transforms.Transform {
	return transforms.Transform{
		Doc: "school contribution indicators per school, municipality, county and nation (indicators.md §1)",
		New: func() any { return &TransformConfig{} },
		Inputs: []transforms.Binding{
			{Name: InputSchools, SQL: "sbi_schools"},
			{Name: InputEnrolments, SQL: "sbi_enrolments"},
			{Name: InputPupils, SQL: "sbi_pupils"},
			{Name: InputNationalTests, SQL: "sbi_national_tests"},
			{Name: InputGrades, SQL: "sbi_grades"},
		},
		Outputs: []transforms.Binding{
			{Name: OutputSchools, SQL: "core.sbi_school"},
			{Name: OutputAggregates, SQL: "core.sbi_aggregate"},
			{Name: OutputRuns, SQL: "core.sbi_run"},
		},
		Run: func(ctx context.Context, config any, in transforms.Inputs, out transforms.Sink) error {
			return run(ctx, config.(*TransformConfig), in, out)
		},
	}
}

func run(ctx context.Context, cfg *TransformConfig, in transforms.Inputs, out transforms.Sink) error {
	opt, err := cfg.options()
	if err != nil {
		return fmt.Errorf("configuring sbi: %w", err)
	}
	var d Data
	defer d.release()
	schools, err := transforms.ReadAll(ctx, in, InputSchools)
	if err != nil {
		return err
	}
	d.Schools, err = readSchools(schools)
	release(schools)
	if err != nil {
		return err
	}
	for _, t := range []struct {
		name string
		to   *[]arrow.RecordBatch
	}{
		{InputEnrolments, &d.Enrolments},
		{InputPupils, &d.Pupils},
		{InputNationalTests, &d.NationalTests},
		{InputGrades, &d.Grades},
	} {
		if *t.to, err = transforms.ReadAll(ctx, in, t.name); err != nil {
			return err
		}
	}
	res, err := Compute(ctx, &d, opt)
	if err != nil {
		return err
	}
	outs := res.Outputs(nil)
	defer outs.Release()
	return outs.WriteTo(ctx, out)
}

func release(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func (d *Data) release() {
	for _, bs := range [][]arrow.RecordBatch{d.Pupils, d.Enrolments, d.NationalTests, d.Grades} {
		release(bs)
	}
}

// readSchools reads school_orgnr, municipality_code (string, large_string,
// string_view or a dictionary of strings) and public (bool), none null.
func readSchools(bs []arrow.RecordBatch) ([]School, error) {
	var out []School
	for bi, b := range bs {
		cols := make([]arrow.Array, 3)
		for j, name := range []string{"school_orgnr", "municipality_code", "public"} {
			col, err := transforms.Column(b, name)
			if err == nil {
				err = transforms.NotNull(col, name)
			}
			if err != nil {
				return nil, fmt.Errorf("reading schools: batch %d: %w", bi+1, err)
			}
			cols[j] = col
		}
		pub, ok := cols[2].(*array.Boolean)
		if !ok {
			return nil, fmt.Errorf("reading schools: column public is %s, want bool", cols[2].DataType())
		}
		for i := range int(b.NumRows()) {
			org, err := transforms.StringAt(cols[0], i)
			if err != nil {
				return nil, fmt.Errorf("reading schools: column school_orgnr: %w", err)
			}
			muni, err := transforms.StringAt(cols[1], i)
			if err != nil {
				return nil, fmt.Errorf("reading schools: column municipality_code: %w", err)
			}
			out = append(out, School{Orgnr: org, Municipality: muni, Public: pub.Value(i)})
		}
	}
	return out, nil
}
