package sbi

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/microdata"
	"github.com/skolestat/skolestat/transforms/sbi/model"
)

// Caveat goes with every SBI output (spec/indicators.md §1): in the Parquet
// key-value metadata (key "skolestat.caveat" of the output schemas), in the
// column comments and on every page or report that shows an SBI.
const Caveat = "School contribution indicators (skolebidragsindikatorer) are not a measure of a school's quality: " +
	"they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement " +
	"to other information about the school, never a ranking on their own. Estimates for small schools and " +
	"municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) " +
	"are different measures and must never be compared, averaged or ranked across levels."

// The estimators of Options.Model.
const (
	ModelFixed = "fixed"
	ModelMixed = "mixed"
)

// DefaultMinPupils is the disclosure threshold of spec §1 and §6.
const DefaultMinPupils = 10

// Options says what Compute computes.
type Options struct {
	// Model is ModelFixed (the default when empty) or ModelMixed.
	Model string
	// MinPupils is the disclosure threshold: a school or unit with fewer
	// pupils in the window is published as suppressed. 0 means
	// DefaultMinPupils.
	MinPupils int
	// Windows, when not empty, are computed at every level whose data hold
	// enrolments and outcomes for both cohorts (priors are not required:
	// without them the prior columns are dropped and listed); a window that
	// no level holds is an error. When empty, every window the data cover
	// is computed (see [CoveredWindows]).
	Windows []Window
}

func (o Options) withDefaults() (Options, error) {
	switch o.Model {
	case "":
		o.Model = ModelFixed
	case ModelFixed, ModelMixed:
	default:
		return o, fmt.Errorf("model %q: want fixed or mixed", o.Model)
	}
	switch {
	case o.MinPupils == 0:
		o.MinPupils = DefaultMinPupils
	case o.MinPupils < 0:
		return o, fmt.Errorf("min_pupils %d: want at least 1 (0 for the default %d)", o.MinPupils, DefaultMinPupils)
	}
	for _, w := range o.Windows {
		if err := w.check(); err != nil {
			return o, err
		}
	}
	return o, nil
}

// School is a row of the schools input: what the aggregates need.
type School struct {
	Orgnr string
	// Municipality is the 4-digit municipality code; the county is its
	// first two digits.
	Municipality string
	// Public is true for a public (municipal) school. Only public schools
	// enter the aggregates.
	Public bool
}

// Data is the microdata in memory: the batches of the pupils, enrolments,
// national_tests and grades tables in their canonical schemas (see
// [Inputs]), and the schools. Compute reads every batch once per level and
// window and never releases them: the caller owns them.
type Data struct {
	Pupils, Enrolments, NationalTests, Grades []arrow.RecordBatch
	Schools                                   []School
}

func recordReader(table string, bs []arrow.RecordBatch) (array.RecordReader, error) {
	var sc *arrow.Schema
	if len(bs) > 0 {
		sc = bs[0].Schema()
	} else {
		t, _ := microdata.Lookup(table)
		sc = t.Schema()
	}
	r, err := array.NewRecordReader(sc, bs)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", table, err)
	}
	return r, nil
}

// build runs Build over fresh readers of d.
func (d *Data) build(ctx context.Context, cfg Config) (*Matrix, error) {
	var in Inputs
	var readers []array.RecordReader
	defer func() {
		for _, r := range readers {
			r.Release()
		}
	}()
	for _, t := range []struct {
		name string
		bs   []arrow.RecordBatch
		to   *array.RecordReader
	}{
		{"pupils", d.Pupils, &in.Pupils},
		{"enrolments", d.Enrolments, &in.Enrolments},
		{"national_tests", d.NationalTests, &in.NationalTests},
		{"grades", d.Grades, &in.Grades},
	} {
		r, err := recordReader(t.name, t.bs)
		if err != nil {
			return nil, err
		}
		readers = append(readers, r)
		*t.to = r
	}
	return Build(ctx, in, cfg)
}

// SchoolRow is one school's indicator for a level, window and model (a row
// of [SchoolSchema]). When Status is "suppressed", N and every number are
// zero: they must not be published.
type SchoolRow struct {
	Level  Level
	Window Window
	Model  string
	Orgnr  string
	N      int
	// EffectZ is the effect in z units: fixed, the centred theta_s; mixed,
	// the BLUP (lme4's ranef), not re-centred. Effect is EffectZ times the
	// raw outcome's sample SD (Matrix.RawSD).
	EffectZ, Effect  float64
	SE, Lower, Upper float64
	Class            model.Class
	// ShrunkZ is the empirical-Bayes shrunken effect (fixed only;
	// HasShrunk false for mixed, whose BLUP is already shrunk).
	ShrunkZ   float64
	HasShrunk bool
	// OutcomeZ is the mean outcome (z) of the school's pupils in the sample:
	// its raw result, before adjusting for background (the profiles compare
	// it with the national mean, which is about 0).
	OutcomeZ float64
	// Status is "ok" or "suppressed"; Suppression says why ("primary: n <
	// 10", "secondary: protects municipality 4601"), empty when ok.
	Status, Suppression string
}

// AggregateRow is a municipality, county or nation indicator over public
// schools (a row of [AggregateSchema]). Suppressed rows carry zeros.
type AggregateRow struct {
	Level    Level
	Window   Window
	Model    string
	UnitType string // municipality, county or nation
	UnitCode string // 4-digit municipality, 2-digit county, "0" for the nation
	N        int    // pupils of the unit's public schools in the sample
	Schools  int    // public schools with pupils in the sample
	// EffectZ is the pupil-weighted mean of the schools' EffectZ; SE is
	// sqrt(sum n_s² se_s²) / sum n_s, which for fixed is sigma_e /
	// sqrt(sum n_s) (spec §1) and for mixed treats the schools' conditional
	// variances as independent.
	EffectZ, Effect     float64
	SE, Lower, Upper    float64
	Class               model.Class
	Status, Suppression string
}

// Run describes the fit of one level, window and model (a row of
// [RunSchema]).
type Run struct {
	Level  Level
	Window Window
	Model  string
	// N and Schools count the estimation sample; Published is false (and
	// N, Schools and the cohort counts must not be published) only when
	// disclosure control suppressed the sample's total.
	N, Schools int
	Published  bool
	// Covariates are the columns that entered the fit. Dropped lists the
	// columns left out: constant over the sample (Matrix.Dropped), then
	// those the estimator dropped (model's Dropped: for fixed, no
	// variation within schools).
	Covariates []string
	Dropped    []string
	// Sigma2 is the residual variance; Tau2 the school variance (fixed: the
	// method-of-moments tau² of the shrinkage; mixed: the REML estimate).
	Sigma2, Tau2 float64
	// RawSD is the unit of the published effect (Matrix.RawSD).
	RawSD float64
	// OutcomeMean is the mean outcome z over the whole sample (every
	// school, suppressed ones too): the national result the profiles
	// compare a school's outcome_z with.
	OutcomeMean float64
	Cohorts     [2]Cohort
}

// Result is what Compute returns. Schools are ordered by level (Levels
// order), window, orgnr; Aggregates by level, window, unit type
// (municipality, county, nation), unit code; Runs by level, window.
type Result struct {
	Schools    []SchoolRow
	Aggregates []AggregateRow
	Runs       []Run
}

// Compute fits opt.Model to every level and window (opt.Windows, or those
// the data cover) and returns the school rows, the public-school aggregates
// and a run per level and window, with disclosure control applied (see
// [aggregate]).
//
// Every school of a sample must be in d.Schools. Errors name the level,
// window and model, and wrap Build's or the estimator's error (which names
// the columns of a singular design). Compute checks ctx between fits.
func Compute(ctx context.Context, d *Data, opt Options) (*Result, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("computing SBI: %w", err)
	}
	schools, err := indexSchools(d.Schools)
	if err != nil {
		return nil, fmt.Errorf("computing SBI: %w", err)
	}
	windows, err := coveredWindows(d, len(opt.Windows) == 0)
	if err != nil {
		return nil, fmt.Errorf("computing SBI: %w", err)
	}
	if len(opt.Windows) > 0 {
		// The requested windows, at the levels whose data hold them.
		for _, l := range Levels {
			windows[l] = slices.DeleteFunc(windows[l], func(w Window) bool { return !slices.Contains(opt.Windows, w) })
		}
		for _, w := range opt.Windows {
			found := false
			for _, l := range Levels {
				found = found || slices.Contains(windows[l], w)
			}
			if !found {
				return nil, fmt.Errorf("computing SBI, window %s: no level has pupils with an enrolment and an outcome in both cohorts", w)
			}
		}
	}
	res := &Result{}
	for _, l := range Levels {
		for _, w := range windows[l] {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("computing SBI, level %s, window %s: %w", l, w, err)
			}
			if err := computeOne(ctx, d, schools, l, w, opt, res); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

func indexSchools(list []School) (map[string]School, error) {
	out := make(map[string]School, len(list))
	for _, s := range list {
		if len(s.Municipality) != 4 || strings.Trim(s.Municipality, "0123456789") != "" {
			return nil, fmt.Errorf("school %s: municipality_code %q is not 4 digits", s.Orgnr, s.Municipality)
		}
		if p, dup := out[s.Orgnr]; dup && p != s {
			return nil, fmt.Errorf("school %s listed twice with different municipality or owner", s.Orgnr)
		}
		out[s.Orgnr] = s
	}
	return out, nil
}

// fit is what both estimators give the outputs.
type fit struct {
	effects      []model.SchoolEffect
	shrunk       bool
	covariates   []string
	dropped      []string
	sigma2, tau2 float64
}

func estimate(m *Matrix, name string) (*fit, error) {
	d := model.Design{Y: m.Y, X: m.X, Names: m.Names, School: m.School}
	f := &fit{dropped: slices.Clone(m.Dropped)}
	switch name {
	case ModelFixed:
		r, err := model.Fixed(d)
		if err != nil {
			return nil, err
		}
		f.effects, f.shrunk, f.covariates, f.sigma2, f.tau2 = r.Schools, true, r.Names, r.Sigma2, r.Tau2
		f.dropped = append(f.dropped, r.Dropped...)
	case ModelMixed:
		r, err := model.Mixed(d)
		if err != nil {
			return nil, err
		}
		f.effects, f.covariates, f.sigma2, f.tau2 = r.Schools, r.Names[1:], r.Sigma2, r.Tau2
		f.dropped = append(f.dropped, r.Dropped...)
	default:
		return nil, fmt.Errorf("unknown model %q", name)
	}
	if len(f.effects) != len(m.Schools) {
		return nil, fmt.Errorf("%d school effects for %d schools", len(f.effects), len(m.Schools))
	}
	for s, e := range f.effects {
		for _, v := range []float64{e.Effect, e.SE, e.Shrunk} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("school %s: non-finite estimate", m.Schools[s])
			}
		}
	}
	return f, nil
}

func computeOne(ctx context.Context, d *Data, schools map[string]School, l Level, w Window, opt Options, res *Result) error {
	m, err := d.build(ctx, Config{Level: l, Window: w})
	if err != nil {
		return fmt.Errorf("computing SBI: %w", err)
	}
	for _, o := range m.Schools {
		if _, ok := schools[o]; !ok {
			return fmt.Errorf("computing SBI, level %s, window %s: school %s of the sample is not in the schools input", l, w, o)
		}
	}
	f, err := estimate(m, opt.Model)
	if err != nil {
		return fmt.Errorf("computing SBI, level %s, window %s, model %s: %w", l, w, opt.Model, err)
	}
	rawSD := m.RawSD()
	if !(rawSD > 0) {
		return fmt.Errorf("computing SBI, level %s, window %s: the raw outcome has no spread, so the effect has no unit", l, w)
	}
	u := &unitSet{level: l, window: w, model: opt.Model, rawSD: rawSD}
	if err := u.aggregate(m, f, schools, int64(opt.MinPupils)); err != nil {
		return fmt.Errorf("computing SBI, level %s, window %s, model %s: %w", l, w, opt.Model, err)
	}
	res.Schools = append(res.Schools, u.schools...)
	res.Aggregates = append(res.Aggregates, u.aggregates...)
	res.Runs = append(res.Runs, Run{
		Level: l, Window: w, Model: opt.Model,
		N: m.N(), Schools: len(m.Schools), Published: u.samplePublished,
		Covariates: f.covariates, Dropped: f.dropped,
		Sigma2: f.sigma2, Tau2: f.tau2, RawSD: rawSD, OutcomeMean: mean(m.Y), Cohorts: m.Cohorts,
	})
	return nil
}

// CoveredWindows lists, per level, the windows the data cover: Y+Y+1 such
// that for both cohorts (spring Y and Y+1) the data hold enrolments in the
// attribution grade and year, outcome values (participating national test
// rows of the outcome grade and year, or numeric written exam grades of the
// exam year) and, for 5-7 and 8-10, participating prior tests (grade 5 or
// 8, three years earlier). A window whose priors lie before the data is not
// covered: the model would lose its prior (all priors missing, the prior
// columns dropped) and measure something else; ask for it in
// Options.Windows to compute it anyway. Windows come ascending.
func CoveredWindows(d *Data) (map[Level][]Window, error) { return coveredWindows(d, true) }

func coveredWindows(d *Data, needPrior bool) (map[Level][]Window, error) {
	type gy struct{ grade, year int32 }
	enrol, tests, exams := map[gy]bool{}, map[gy]bool{}, map[int32]bool{}
	for _, b := range d.Enrolments {
		cols, err := columnsOf(b, "enrolments", "school_year", "grade")
		if err != nil {
			return nil, fmt.Errorf("finding the windows: reading enrolments: %w", err)
		}
		ys, gs := cols[0].(*array.Int32), cols[1].(*array.Int32)
		for i := range ys.Len() {
			enrol[gy{gs.Value(i), ys.Value(i)}] = true
		}
	}
	for _, b := range d.NationalTests {
		cols, err := columnsOf(b, "national_tests", "school_year", "grade", "status")
		if err != nil {
			return nil, fmt.Errorf("finding the windows: reading national_tests: %w", err)
		}
		ys, gs, st := cols[0].(*array.Int32), cols[1].(*array.Int32), cols[2].(*array.String)
		for i := range ys.Len() {
			if st.Value(i) == "participated" {
				tests[gy{gs.Value(i), ys.Value(i)}] = true
			}
		}
	}
	for _, b := range d.Grades {
		cols, err := columnsOf(b, "grades", "school_year", "grade_type", "grade")
		if err != nil {
			return nil, fmt.Errorf("finding the windows: reading grades: %w", err)
		}
		ys, ts, gs := cols[0].(*array.Int32), cols[1].(*array.String), cols[2].(*array.String)
		for i := range ys.Len() {
			g := gs.Value(i)
			if _, numeric := examGrade(g); numeric && ts.Value(i) == "written_exam" {
				exams[ys.Value(i)] = true
			}
		}
	}
	out := make(map[Level][]Window, len(Levels))
	for _, l := range Levels {
		spec, _ := l.spec()
		cohort := func(y int32) bool {
			if !enrol[gy{spec.attribGrade, y - 1}] {
				return false
			}
			if spec.outcomeGrade != 0 && !tests[gy{spec.outcomeGrade, y}] {
				return false
			}
			if spec.outcomeGrade == 0 && !exams[y-1] {
				return false
			}
			return !needPrior || spec.priorGrade == 0 || tests[gy{spec.priorGrade, y - 3}]
		}
		var firsts []int
		for k := range enrol {
			y := k.year + 1 // spring year of the cohort enrolled in k.year
			w := Window{First: int(y)}
			if k.grade == spec.attribGrade && w.check() == nil && cohort(y) && cohort(y+1) {
				firsts = append(firsts, int(y))
			}
		}
		slices.Sort(firsts)
		for _, y := range firsts {
			out[l] = append(out[l], Window{First: y})
		}
	}
	return out, nil
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
