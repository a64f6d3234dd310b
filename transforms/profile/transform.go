package profile

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/transforms"
)

// Names of the transforms' inputs and outputs, as Run uses them.
const (
	InputEffects          = "effects"
	InputFacts            = "facts"
	OutputProfiles        = "profiles"
	OutputCounts          = "counts"
	OutputRepresentatives = "representatives"
	OutputStability       = "stability"
)

// Measures of the facts input besides the survey index codes.
const (
	MeasureResult          = "result"
	MeasureHigherEducation = "higher_education"
)

// lowerSuffix marks an index of TransformConfig.Indices as lower is better.
const lowerSuffix = ":lower"

// TransformConfig is the with: block of a pipeline step that runs the
// profiles transform; [NewProfilesTransform] fills it from [DefaultConfig].
// Each field is the [Config] field of the same name.
type TransformConfig struct {
	// FirstWindow is the first window's label, "2014+2015" (a label, as
	// core.sbi_school.window_label, not a year).
	FirstWindow string `yaml:"first_window"`
	Windows     int    `yaml:"windows"`
	// Levels are comma-separated: "5-7,8-10".
	Levels          string  `yaml:"levels"`
	SBIRule         string  `yaml:"sbi_rule"`
	Z               float64 `yaml:"z"`
	ProgressionRule string  `yaml:"progression_rule"`
	MinStep         float64 `yaml:"min_step"`
	MinSlope        float64 `yaml:"min_slope"`
	SurveyRule      string  `yaml:"survey_rule"`
	SurveyK         int     `yaml:"survey_k"`
	// Indices are comma-separated survey index codes; a code followed by
	// ":lower" is lower-is-better ("EUIndeks_1385,EUIndeks_1398:lower").
	// At least one.
	Indices           string  `yaml:"indices"`
	BullyingTolerance float64 `yaml:"bullying_tolerance"`
	MinPupilsPerLevel int     `yaml:"min_pupils_per_level"`
	SizeRule          string  `yaml:"size_rule"`
}

// NewTransformConfig returns the with: block holding [DefaultConfig].
func NewTransformConfig() *TransformConfig {
	d := DefaultConfig()
	idx := make([]string, len(d.Indices))
	for i, ix := range d.Indices {
		idx[i] = ix.Code
		if ix.LowerIsBetter {
			idx[i] += lowerSuffix
		}
	}
	return &TransformConfig{
		FirstWindow: WindowLabel(d.FirstWindow), Windows: d.Windows, Levels: strings.Join(d.Levels, ","),
		SBIRule: d.SBIRule, Z: d.Z, ProgressionRule: d.ProgressionRule, MinStep: d.MinStep, MinSlope: d.MinSlope,
		SurveyRule: d.SurveyRule, SurveyK: d.SurveyK, Indices: strings.Join(idx, ","),
		BullyingTolerance: d.BullyingTolerance, MinPupilsPerLevel: d.MinPupils, SizeRule: d.SizeRule,
	}
}

// Validate is called by the pipeline loader.
func (c *TransformConfig) Validate() error {
	_, err := c.Config()
	return err
}

// Config converts the with: block to a checked [Config].
func (c *TransformConfig) Config() (Config, error) {
	first, err := parseWindow(c.FirstWindow)
	if err != nil {
		return Config{}, fmt.Errorf("checking profile config: first_window: %w", err)
	}
	cfg := Config{
		FirstWindow: first, Windows: c.Windows, Levels: splitList(c.Levels),
		SBIRule: c.SBIRule, Z: c.Z, ProgressionRule: c.ProgressionRule, MinStep: c.MinStep, MinSlope: c.MinSlope,
		SurveyRule: c.SurveyRule, SurveyK: c.SurveyK,
		BullyingTolerance: c.BullyingTolerance, MinPupils: c.MinPupilsPerLevel, SizeRule: c.SizeRule,
	}
	for _, code := range splitList(c.Indices) {
		code, lower := strings.CutSuffix(code, lowerSuffix)
		cfg.Indices = append(cfg.Indices, SurveyIndex{Code: strings.TrimSpace(code), LowerIsBetter: lower})
	}
	if len(cfg.Indices) == 0 {
		return Config{}, errors.New("checking profile config: indices is empty; the survey rule needs at least one index code")
	}
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseWindow returns the first spring year of a window label "Y+(Y+1)".
func parseWindow(label string) (int, error) {
	a, b, ok := strings.Cut(label, "+")
	y1, err1 := strconv.Atoi(a)
	y2, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || y2 != y1+1 {
		return 0, fmt.Errorf("window %q is not two consecutive spring years such as 2018+2019", label)
	}
	return y1, nil
}

// NewProfilesTransform returns the profiles transform, to be registered as
// "profiles" (shared/spec/indicators.md §4).
//
// Inputs, each opened once, read into memory and released before the next
// is opened: "effects" (query profile_effects: level, window_label,
// school_orgnr, n_pupils, effect_z, se; every published fixed-model effect),
// then "facts" (query profile_facts: unit, school_orgnr, level, school_year,
// measure, value). Of the facts, only school year FirstWindow+Windows-1 is
// read: the year in which the latest window's later cohort finished
// (2018 for 2018+2019). Measure "result" is [Facts.Result], EUIndeks_1398
// is [Facts.Bullying] (0-100), "higher_education" (a share 0-1) is
// [Facts.HigherEducation] in percent, any other measure a survey index; the
// nation's rows are [National]. A null value, or no row, is a missing fact;
// either input may be empty. Outputs, written once everything is computed,
// each carrying [Config.Metadata]: "profiles" to core.sbi_profile
// ([ProfileSchema]), "counts" to core.sbi_profile_count ([CountSchema]),
// "representatives" to core.sbi_profile_representative
// ([RepresentativeSchema]).
func NewProfilesTransform() transforms.Transform {
	return transforms.Transform{
		Doc: "school profiles P1-P4 from stable school contribution and context, with counts and representatives (indicators.md §4)",
		New: func() any { return NewTransformConfig() },
		Inputs: []transforms.Binding{
			{Name: InputEffects, SQL: "profile_effects"},
			{Name: InputFacts, SQL: "profile_facts"},
		},
		Outputs: []transforms.Binding{
			{Name: OutputProfiles, SQL: "core.sbi_profile"},
			{Name: OutputCounts, SQL: "core.sbi_profile_count"},
			{Name: OutputRepresentatives, SQL: "core.sbi_profile_representative"},
		},
		Run: func(ctx context.Context, config any, in transforms.Inputs, out transforms.Sink) error {
			return runProfiles(ctx, config.(*TransformConfig), in, out)
		},
	}
}

func runProfiles(ctx context.Context, tc *TransformConfig, in transforms.Inputs, out transforms.Sink) error {
	cfg, err := tc.Config()
	if err != nil {
		return err
	}
	effects, err := readEffects(ctx, in)
	if err != nil {
		return err
	}
	facts, national, err := readFacts(ctx, in, cfg.FirstWindow+cfg.Windows-1)
	if err != nil {
		return err
	}
	res, err := Profiles(effects, facts, national, cfg)
	if err != nil {
		return err
	}
	profiles, counts, reps := res.Records(nil)
	defer profiles.Release()
	defer counts.Release()
	defer reps.Release()
	for _, o := range []struct {
		name string
		rec  arrow.RecordBatch
	}{{OutputProfiles, profiles}, {OutputCounts, counts}, {OutputRepresentatives, reps}} {
		if err := out.Write(ctx, o.name, o.rec); err != nil {
			return fmt.Errorf("writing %s: %w", o.name, err)
		}
	}
	return nil
}

// StabilityTransformConfig is the with: block of a pipeline step that runs
// the stability transform; each field is the [StabilityConfig] field of
// the same name, defaults from [DefaultStabilityConfig].
type StabilityTransformConfig struct {
	Lag        int `yaml:"lag"`
	MinSchools int `yaml:"min_schools"`
	MinPupils  int `yaml:"min_pupils"`
}

// Validate is called by the pipeline loader.
func (c *StabilityTransformConfig) Validate() error { return c.config().validate() }

func (c *StabilityTransformConfig) config() StabilityConfig {
	return StabilityConfig{Lag: c.Lag, MinSchools: c.MinSchools, MinPupils: c.MinPupils}
}

// NewStabilityTransform returns the stability transform, to be registered
// as "stability" (shared/spec/indicators.md §5). Input "effects" (query
// profile_effects, as for [NewProfilesTransform]), every level and window
// of it; output "stability" to core.sbi_stability ([StabilitySchema]),
// carrying [StabilityConfig.Metadata].
func NewStabilityTransform() transforms.Transform {
	return transforms.Transform{
		Doc: "year-to-year and same-cohort correlations and reliability of school contribution (indicators.md §5)",
		New: func() any {
			d := DefaultStabilityConfig()
			return &StabilityTransformConfig{Lag: d.Lag, MinSchools: d.MinSchools, MinPupils: d.MinPupils}
		},
		Inputs:  []transforms.Binding{{Name: InputEffects, SQL: "profile_effects"}},
		Outputs: []transforms.Binding{{Name: OutputStability, SQL: "core.sbi_stability"}},
		Run: func(ctx context.Context, config any, in transforms.Inputs, out transforms.Sink) error {
			cfg := config.(*StabilityTransformConfig).config()
			if err := cfg.validate(); err != nil {
				return err
			}
			effects, err := readEffects(ctx, in)
			if err != nil {
				return err
			}
			rows, err := Stability(effects, cfg)
			if err != nil {
				return err
			}
			rec := StabilityRecord(nil, rows, cfg.Metadata())
			defer rec.Release()
			if err := out.Write(ctx, OutputStability, rec); err != nil {
				return fmt.Errorf("writing %s: %w", OutputStability, err)
			}
			return nil
		},
	}
}

// readEffects reads the effects input. Every column it reads must be
// non-null: the query leaves suppressed schools out.
func readEffects(ctx context.Context, in transforms.Inputs) ([]Effect, error) {
	var out []Effect
	err := transforms.Each(ctx, in, InputEffects, func(b arrow.RecordBatch) error {
		cols, err := columns(b, false, "level", "window_label", "school_orgnr", "n_pupils", "effect_z", "se")
		if err != nil {
			return err
		}
		for i := range int(b.NumRows()) {
			var e Effect
			var window string
			for _, f := range []struct {
				col int
				to  *string
			}{{0, &e.Level}, {1, &window}, {2, &e.School}} {
				if *f.to, err = cols[f.col].str(i); err != nil {
					return err
				}
			}
			if e.First, err = parseWindow(window); err != nil {
				return fmt.Errorf("school %s level %s: %w", e.School, e.Level, err)
			}
			e.Window = window
			n, err := cols[3].i64(i)
			if err != nil {
				return err
			}
			if n > math.MaxInt32 {
				return fmt.Errorf("school %s level %s window %s: n_pupils %d is out of range", e.School, e.Level, window, n)
			}
			e.N = int(n)
			if e.Effect, err = cols[4].f64(i); err != nil {
				return err
			}
			if e.SE, err = cols[5].f64(i); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// readFacts reads the facts of school year year into one Facts per school
// and level and one National per level. A null value is left out (missing);
// a value given twice is an error.
func readFacts(ctx context.Context, in transforms.Inputs, year int) ([]Facts, []National, error) {
	schools := map[schoolKey]*Facts{}
	var order []schoolKey
	nations := map[string]*National{}
	var levels []string
	seen := map[[4]string]bool{}
	err := transforms.Each(ctx, in, InputFacts, func(b arrow.RecordBatch) error {
		cols, err := columns(b, true, "unit", "school_orgnr", "level", "school_year", "measure", "value")
		if err != nil {
			return err
		}
		for i := range int(b.NumRows()) {
			y, err := cols[3].i64(i)
			if err != nil {
				return err
			}
			if y != int64(year) || cols[5].IsNull(i) {
				continue
			}
			var unit, level, measure, school string
			for _, f := range []struct {
				col int
				to  *string
			}{{0, &unit}, {2, &level}, {4, &measure}} {
				if *f.to, err = cols[f.col].str(i); err != nil {
					return err
				}
			}
			v, err := cols[5].f64(i)
			if err != nil {
				return err
			}
			switch unit {
			case "school":
				if school, err = cols[1].str(i); err != nil {
					return fmt.Errorf("a school's %s at level %s: %w", measure, level, err)
				}
			case "nation":
			default:
				return fmt.Errorf("unit %q is not school or nation", unit)
			}
			key := [4]string{unit, school, level, measure}
			if seen[key] {
				return fmt.Errorf("%s %s level %s school year %d: measure %s given twice", unit, school, level, year, measure)
			}
			seen[key] = true
			var result, bullying, higher *float64
			var survey *map[string]float64
			if unit == "school" {
				k := schoolKey{school, level}
				f := schools[k]
				if f == nil {
					f = &Facts{School: school, Level: level, Result: math.NaN(), Bullying: math.NaN(), HigherEducation: math.NaN()}
					schools[k] = f
					order = append(order, k)
				}
				result, bullying, higher, survey = &f.Result, &f.Bullying, &f.HigherEducation, &f.Survey
			} else {
				n := nations[level]
				if n == nil {
					n = &National{Level: level, Result: math.NaN(), Bullying: math.NaN(), HigherEducation: math.NaN()}
					nations[level] = n
					levels = append(levels, level)
				}
				result, bullying, higher, survey = &n.Result, &n.Bullying, &n.HigherEducation, &n.Survey
			}
			switch measure {
			case MeasureResult:
				*result = v
			case IndexBullying:
				// Also an index, for a config that lists it (lower is
				// better) besides the bullying rule.
				*bullying = v
				if *survey == nil {
					*survey = map[string]float64{}
				}
				(*survey)[measure] = v
			case MeasureHigherEducation:
				*higher = 100 * v
			default:
				if *survey == nil {
					*survey = map[string]float64{}
				}
				(*survey)[measure] = v
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	facts := make([]Facts, len(order))
	for i, k := range order {
		facts[i] = *schools[k]
	}
	national := make([]National, len(levels))
	for i, l := range levels {
		national[i] = *nations[l]
	}
	return facts, national, nil
}

// column is an input column with its name, for messages.
type column struct {
	name string
	arrow.Array
}

// columns returns b's columns named names ([transforms.Column]); when
// nullable is false, none may hold a null.
func columns(b arrow.RecordBatch, nullable bool, names ...string) ([]column, error) {
	cols := make([]column, len(names))
	for j, name := range names {
		col, err := transforms.Column(b, name)
		if err != nil {
			return nil, err
		}
		cols[j] = column{name, col}
		if !nullable && col.NullN() > 0 {
			return nil, fmt.Errorf("column %s has %d nulls", name, col.NullN())
		}
	}
	return cols, nil
}

// str returns a copy of the string at row i, which must not be null.
func (c column) str(i int) (string, error) {
	if c.IsNull(i) {
		return "", fmt.Errorf("column %s is null", c.name)
	}
	s, err := transforms.StringAt(c.Array, i)
	if err != nil {
		return "", fmt.Errorf("column %s: %w", c.name, err)
	}
	return s, nil
}

// i64 returns the signed integer at row i, which must not be null.
func (c column) i64(i int) (int64, error) {
	if c.IsNull(i) {
		return 0, fmt.Errorf("column %s is null", c.name)
	}
	a, ok := transforms.AsInts(c.Array)
	if !ok {
		return 0, fmt.Errorf("column %s is %s, want an integer type", c.name, c.DataType())
	}
	return a.Value(i), nil
}

// f64 returns the float at row i, which must not be null.
func (c column) f64(i int) (float64, error) {
	if c.IsNull(i) {
		return 0, fmt.Errorf("column %s is null", c.name)
	}
	switch a := c.Array.(type) {
	case *array.Float64:
		return a.Value(i), nil
	case *array.Float32:
		return float64(a.Value(i)), nil
	}
	return 0, fmt.Errorf("column %s is %s, want float64", c.name, c.DataType())
}
