package orchestration

import (
	"context"
	"fmt"

	"github.com/skolestat/skolestat/codebook"
	"github.com/skolestat/skolestat/transforms"
	"github.com/skolestat/skolestat/transforms/gsp"
	"github.com/skolestat/skolestat/transforms/profile"
	"github.com/skolestat/skolestat/transforms/sbi"
	"github.com/skolestat/skolestat/transforms/survey"
)

// GSPConfig is the with: block of a transform step that uses gsp.
type GSPConfig struct {
	// MinPupils: cells with fewer pupils are suppressed (indicators.md §6).
	MinPupils int64 `yaml:"min_pupils"`
}

// Validate is called by the pipeline loader.
func (c *GSPConfig) Validate() error {
	if c.MinPupils < 1 {
		return fmt.Errorf("min_pupils is %d; it must be at least 1", c.MinPupils)
	}
	return nil
}

// BuiltinTransforms returns a registry with the transforms of this build,
// each bound to the queries that feed it and the tables it fills.
func BuiltinTransforms() *transforms.Registry {
	r := transforms.NewRegistry()
	r.Register("gsp", transforms.Transform{
		Doc:     "grunnskolepoeng per pupil and by school, municipality, county and nation (indicators.md §2)",
		New:     func() any { return &GSPConfig{MinPupils: gsp.DefaultMinPupils} },
		Inputs:  []transforms.Binding{{Name: "grades", SQL: "gsp_input"}},
		Outputs: []transforms.Binding{{Name: "pupils", SQL: "restricted.gsp_pupil"}, {Name: "aggregates", SQL: "core.gsp"}},
		Run:     runGSP,
	})
	r.Register("survey", survey.NewTransform(loadCodebook))
	r.Register("sbi", sbi.NewTransform())
	r.Register("profiles", profile.NewProfilesTransform())
	r.Register("stability", profile.NewStabilityTransform())
	return r
}

// loadCodebook resolves a survey step's codebook: a shipped one by name,
// else a YAML file by path.
func loadCodebook(_ context.Context, ref string) (*codebook.Codebook, error) {
	for _, name := range codebook.BuiltinNames() {
		if name == ref {
			return codebook.Builtin(ref)
		}
	}
	return codebook.Load(ref)
}

func runGSP(ctx context.Context, config any, in transforms.Inputs, out transforms.Sink) error {
	cfg := config.(*GSPConfig)
	rdr, err := in.Open(ctx, "grades")
	if err != nil {
		return err
	}
	defer rdr.Release()
	res, err := gsp.Compute(ctx, rdr, gsp.Config{MinPupils: cfg.MinPupils})
	if err != nil {
		return err
	}
	outs := transforms.Outputs{
		"pupils":     {Records: res.Pupils},
		"aggregates": {Records: res.Aggregates},
	}
	defer outs.Release()
	return outs.WriteTo(ctx, out)
}
