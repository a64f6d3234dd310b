// Package profile classifies schools into the expert group's four profiles
// (shared/spec/indicators.md §4; seed report 002 ch. 5.1.1) and computes the
// stability analyses of §5 (year-to-year and same-cohort correlations, and
// reliability).
//
// It is pure: Go values in, Go values out, no I/O, no clock, no globals. It
// does not compute school contribution indicators; the caller (the compute
// step, reading the warehouse) passes the school effects of every level and
// window as [Effect] values, the latest window's context per school as
// [Facts], and the national values per level as [National]. The same input
// in any order gives the same output.
//
// # Rules
//
// Over the windows FirstWindow+FirstWindow+1 … (FirstWindow+Windows-1)+
// (FirstWindow+Windows) (default five windows, 2014+2015 … 2018+2019) and the
// levels of [Config.Levels] (default 5-7 and 8-10), a school with an effect in
// every window is profiled; one missing a window is not (it is listed with
// Complete false and counted as "incomplete"). With e_1..e_W its effects in
// window order:
//
//   - high: every window above 0. SBIRule "point": e_w > 0; "interval": the
//     95 % interval excludes 0 from above, e_w - Z·se_w > 0.
//   - low: every window below 0 (e_w < 0, or e_w + Z·se_w < 0).
//   - progression: ProgressionRule "monotone": strictly increasing by more
//     than MinStep at every step, e_{w+1} - e_w > MinStep (default MinStep 0:
//     strictly increasing). "slope": the OLS slope of e_w on the window's first
//     spring year, over all W windows, is greater than MinSlope (default 0).
//     The two rules are alternatives, never combined. A strictly increasing
//     series always has a positive slope, so with MinSlope 0 "slope" admits
//     every school "monotone" does, and more (a series with a dip). Progression
//     reads the point estimates only; SBIRule does not apply to it.
//   - good context (P1-P3): the school's latest-window result above the
//     national one (strictly); the survey rule met "better" (see below); the
//     bullying share not more than BullyingTolerance points above the national
//     share (school <= national + tolerance).
//   - bad context (P4): result strictly below the national one; the survey
//     rule met "worse"; bullying share strictly above the national share.
//
// Survey rule: an index is better than national when the school's value is
// strictly above the national one (strictly below for an index with
// LowerIsBetter), worse in the opposite case. SurveyRule "all" needs every
// index of Indices better (or worse, for P4); "k_of_n" needs at least SurveyK
// of them. A missing index value counts as neither.
//
// Profiles: P1 = high and good context. P2 = P1 and a share of pupils with a
// parent with higher education strictly below the national share (P2 is a
// subset of P1, as the seed chose its P2 schools among the P1 schools). P3 =
// progression and good context. P4 = low and bad context. A school may meet
// several: P1 and P2 always together, and P1 or P2 with P3 (a stable high
// school that also improves). P4 excludes the others (its result must be
// below national, theirs above). A school's [Profile] is the set of profiles
// it meets; each profile's count counts every school meeting it, so P2 schools
// are also in the P1 count, and a P1+P3 school in both.
//
// Missing facts: a NaN fact (or a school without a Facts value) fails every
// comparison that reads it, so such a school meets no profile that needs it.
// A national value that is missing (no [National] for the level, an index
// absent from its Survey, or NaN) is a missing fact of every school of the
// level: a warehouse without survey data profiles no school on context.
// Complete schools with any fact the rules read missing, on their side or
// the nation's, are counted as "missing_facts" (they are also in "none" or a
// profile count).
//
// # Representative schools
//
// Per level and profile, among the schools meeting the profile and having at
// least MinPupils pupils (SizeRule "latest": in the latest window, whose N
// covers its two cohorts; "every": in every window): the highest mean effect
// for P1 and P2, the highest slope for P3, the lowest mean effect for P4.
// Ties go to the smaller school code. The size rule applies here only, never
// to the counts.
package profile

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/skolestat/skolestat/transforms/sbi"
	"github.com/skolestat/skolestat/transforms/sbi/model"
)

// Z95 is the standard normal quantile for a two-sided 95 % interval, the one
// package sbi/model makes every interval with.
const Z95 = model.Z95

// Rule values of [Config].
const (
	SBIPoint    = "point"
	SBIInterval = "interval"

	ProgressionMonotone = "monotone"
	ProgressionSlope    = "slope"

	SurveyAll  = "all"
	SurveyKOfN = "k_of_n"

	SizeLatest = "latest"
	SizeEvery  = "every"
)

// Elevundersøkelsen index codes of the profile selection (002 l.3810-3813),
// as in codebook/builtin/elevundersokelsen.yaml.
const (
	IndexMotivation = "EUIndeks_1385" // Motivasjon
	IndexMastery    = "EUIndeks_1384" // Mestring
	IndexSupport    = "EUIndeks_1380" // Støtte fra lærer
	IndexAssessment = "EUIndeks_1382" // Vurdering for læring
	IndexWellBeing  = "EUIndeks_1379" // Trivsel
	IndexBullying   = "EUIndeks_1398" // Mobbing på skolen (%): the bullying share
)

// Effect is one school's contribution indicator for one level and window,
// as package sbi publishes it (centred: the national average is 0).
//
// First is the first spring year of the window; Window, when not empty, must
// be its label "First+(First+1)". Effect and SE are in one unit across all
// values of a level (effect_z, or the outcome's unit); SE must be finite and
// not negative. N is the pupils in the window (both cohorts).
type Effect struct {
	School string
	Level  string
	Window string
	First  int
	Effect float64
	SE     float64
	N      int
}

// Facts is one school's context at one level in the latest window, the
// values the profile rules compare with [National]. NaN means missing.
//
// Result is the school's results on national tests or exams (the caller
// chooses the measure per level, in the unit of National.Result). Survey maps
// an index code to the school's value; an absent code is missing. Bullying is
// the share of pupils experiencing bullying and HigherEducation the share of
// pupils with a parent with higher education, both in percent, so that
// [Config.BullyingTolerance] is in percentage points.
type Facts struct {
	School          string
	Level           string
	Result          float64
	Survey          map[string]float64
	Bullying        float64
	HigherEducation float64
}

// National is the national value of every fact, per level. NaN (or an
// index absent from Survey) means missing; no value may be infinite.
type National struct {
	Level           string
	Result          float64
	Survey          map[string]float64
	Bullying        float64
	HigherEducation float64
}

// SurveyIndex is one index of the survey rule. LowerIsBetter reverses the
// comparison (a share bullied, say).
type SurveyIndex struct {
	Code          string
	LowerIsBetter bool
}

// Config holds every threshold of the profile rules. Start from
// [DefaultConfig]: a zero field is taken as given, not as a default (0 is a
// meaningful tolerance, step or slope).
type Config struct {
	FirstWindow int      // first spring year of the first window
	Windows     int      // consecutive windows, at least 2
	Levels      []string // levels profiled, in output order

	SBIRule string  // SBIPoint or SBIInterval
	Z       float64 // interval half-width in SEs for SBIInterval

	ProgressionRule string  // ProgressionMonotone or ProgressionSlope
	MinStep         float64 // monotone: every step must exceed it
	MinSlope        float64 // slope: the OLS slope per year must exceed it

	SurveyRule string // SurveyAll or SurveyKOfN
	SurveyK    int    // SurveyKOfN: indices needed, 1..len(Indices)
	Indices    []SurveyIndex

	BullyingTolerance float64 // points above national still accepted for P1-P3

	MinPupils int    // representative schools only
	SizeRule  string // SizeLatest or SizeEvery
}

// DefaultConfig returns the defaults of §4: five windows 2014+2015 …
// 2018+2019, levels 5-7 and 8-10, point rule, strict monotone progression,
// all indices, tolerance 2 points, 100 pupils in the latest window.
//
// The default index list is five of the six indices the seed names:
// motivasjon, mestring, støtte fra lærerne, vurdering for læring, trivsel.
// The sixth, «mobbing på skolen», is EUIndeks_1398 in our codebook, and that
// index is the share of pupils bullied (%), the very value the bullying rule
// reads. Listing it too would demand a share strictly below the national one
// and so void the tolerance. Add {IndexBullying, true} to Indices for that
// stricter reading.
func DefaultConfig() Config {
	return Config{
		FirstWindow:     2014,
		Windows:         5,
		Levels:          []string{string(sbi.Level5to7), string(sbi.Level8to10)},
		SBIRule:         SBIPoint,
		Z:               Z95,
		ProgressionRule: ProgressionMonotone,
		SurveyRule:      SurveyAll,
		Indices: []SurveyIndex{
			{Code: IndexMotivation}, {Code: IndexMastery}, {Code: IndexSupport},
			{Code: IndexAssessment}, {Code: IndexWellBeing},
		},
		BullyingTolerance: 2,
		MinPupils:         100,
		SizeRule:          SizeLatest,
	}
}

func (c Config) validate() error {
	var errs []string
	if c.Windows < 2 {
		errs = append(errs, fmt.Sprintf("Windows %d is below 2", c.Windows))
	}
	if len(c.Levels) == 0 {
		errs = append(errs, "no Levels")
	}
	for i, l := range c.Levels {
		if slices.Contains(c.Levels[:i], l) {
			errs = append(errs, fmt.Sprintf("level %q listed twice", l))
		}
	}
	switch c.SBIRule {
	case SBIPoint:
	case SBIInterval:
		if !(c.Z > 0) || math.IsInf(c.Z, 0) {
			errs = append(errs, fmt.Sprintf("Z %v must be positive and finite", c.Z))
		}
	default:
		errs = append(errs, fmt.Sprintf("SBIRule %q is not point or interval", c.SBIRule))
	}
	if c.ProgressionRule != ProgressionMonotone && c.ProgressionRule != ProgressionSlope {
		errs = append(errs, fmt.Sprintf("ProgressionRule %q is not monotone or slope", c.ProgressionRule))
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"MinStep", c.MinStep}, {"MinSlope", c.MinSlope}, {"BullyingTolerance", c.BullyingTolerance}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			errs = append(errs, fmt.Sprintf("%s %v is not finite", f.name, f.v))
		}
	}
	switch c.SurveyRule {
	case SurveyAll:
	case SurveyKOfN:
		if c.SurveyK < 1 || c.SurveyK > len(c.Indices) {
			errs = append(errs, fmt.Sprintf("SurveyK %d is outside 1..%d", c.SurveyK, len(c.Indices)))
		}
	default:
		errs = append(errs, fmt.Sprintf("SurveyRule %q is not all or k_of_n", c.SurveyRule))
	}
	for i, ix := range c.Indices {
		if ix.Code == "" {
			errs = append(errs, fmt.Sprintf("index %d has no code", i))
		}
		if slices.ContainsFunc(c.Indices[:i], func(o SurveyIndex) bool { return o.Code == ix.Code }) {
			errs = append(errs, fmt.Sprintf("index %q listed twice", ix.Code))
		}
	}
	if c.MinPupils < 0 {
		errs = append(errs, fmt.Sprintf("MinPupils %d is negative", c.MinPupils))
	}
	if c.SizeRule != SizeLatest && c.SizeRule != SizeEvery {
		errs = append(errs, fmt.Sprintf("SizeRule %q is not latest or every", c.SizeRule))
	}
	if len(errs) > 0 {
		return fmt.Errorf("checking profile config: %s", strings.Join(errs, "; "))
	}
	return nil
}

// WindowLabel is the label of the window whose first spring year is first:
// WindowLabel(2018) is "2018+2019".
func WindowLabel(first int) string { return sbi.Window{First: first}.String() }

// Profile is a set of profiles.
type Profile uint8

// The four profiles.
const (
	P1 Profile = 1 << iota // stable high
	P2                     // stable high, low SES (always with P1)
	P3                     // steady progression
	P4                     // stable low
)

// AllProfiles lists the profiles in output order.
var AllProfiles = []Profile{P1, P2, P3, P4}

// Has reports whether p contains every profile of q.
func (p Profile) Has(q Profile) bool { return p&q == q }

// String names the set: "none", or the profiles joined by "+" ("P1+P2+P3").
func (p Profile) String() string {
	if p == 0 {
		return "none"
	}
	var parts []string
	for i, q := range AllProfiles {
		if p.Has(q) {
			parts = append(parts, fmt.Sprintf("P%d", i+1))
		}
	}
	return strings.Join(parts, "+")
}

// SchoolProfile is one school's classification at one level.
type SchoolProfile struct {
	School string
	Level  string
	// Windows counts the configured windows the school has an effect in;
	// Complete is Windows == Config.Windows. The fields below are zero for an
	// incomplete school.
	Windows  int
	Complete bool
	Profile  Profile
	// Effects are the effects in window order; MeanEffect is their unweighted
	// mean; Slope the OLS slope of the effects on the window's first spring
	// year (effect units per year).
	Effects    []float64
	MeanEffect float64
	Slope      float64
	// Latest says the latest window is present; NPupils is its pupils (0
	// when it is missing); MinNPupils the fewest in any configured window
	// present.
	Latest     bool
	NPupils    int
	MinNPupils int
	// MissingFacts: a fact the rules read is missing (NaN, absent, or no
	// Facts for the school).
	MissingFacts bool
}

// Count categories besides the profile names P1..P4.
const (
	CountSchools      = "schools"       // schools with an effect in any configured window
	CountComplete     = "complete"      // with an effect in every window: the profiled universe
	CountIncomplete   = "incomplete"    // missing at least one window: not profiled
	CountMissingFacts = "missing_facts" // complete, with a fact the rules read missing
	CountNone         = "none"          // complete, meeting no profile
)

// Count is the number of schools of a level in a category: one of the
// Count* constants or a profile name ("P1".."P4"; a school meeting several
// profiles is counted in each).
type Count struct {
	Level    string
	Category string
	Schools  int
}

// Representative is the school picked for one profile at one level. School
// is empty when no school meeting the profile passes the size rule.
type Representative struct {
	Level      string
	Profile    Profile
	School     string
	MeanEffect float64
	Slope      float64
	NPupils    int
	Candidates int // schools meeting the profile
	Eligible   int // of those, passing the size rule
}

// Result is the output of [Profiles].
//
// Schools holds one row per school and level with an effect in at least one
// configured window, ordered by level (in Config.Levels order) then school.
// Counts holds, per level in that order, the categories schools, complete,
// incomplete, missing_facts, P1, P2, P3, P4, none. Representatives holds one
// row per level and profile, P1..P4, empty School when none was eligible.
type Result struct {
	Config          Config
	Schools         []SchoolProfile
	Counts          []Count
	Representatives []Representative
}

type schoolKey struct{ school, level string }

// Profiles classifies every school of cfg.Levels; see the package comment
// for the rules. Effects of other levels or windows are ignored, as are
// facts of schools without effects. It fails on a bad config, a duplicate
// effect, facts or National value, an effect whose Window label does not
// match First, a non-finite effect or SE, a negative SE or N, or an
// infinite National value. Missing national values are missing facts (see
// the package comment), not errors.
func Profiles(effects []Effect, facts []Facts, national []National, cfg Config) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	nat, err := nationalByLevel(national, cfg)
	if err != nil {
		return Result{}, err
	}
	factsBy := make(map[schoolKey]*Facts, len(facts))
	for i := range facts {
		f := &facts[i]
		k := schoolKey{f.School, f.Level}
		if _, dup := factsBy[k]; dup {
			return Result{}, fmt.Errorf("reading facts: school %s level %s given twice", f.School, f.Level)
		}
		factsBy[k] = f
	}

	type series struct {
		eff []*Effect // by window index; nil when missing
	}
	bySchool := map[schoolKey]*series{}
	for i := range effects {
		e := &effects[i]
		if err := checkEffect(e); err != nil {
			return Result{}, err
		}
		if !slices.Contains(cfg.Levels, e.Level) {
			continue
		}
		w := e.First - cfg.FirstWindow
		if w < 0 || w >= cfg.Windows {
			continue
		}
		k := schoolKey{e.School, e.Level}
		s := bySchool[k]
		if s == nil {
			s = &series{eff: make([]*Effect, cfg.Windows)}
			bySchool[k] = s
		}
		if s.eff[w] != nil {
			return Result{}, fmt.Errorf("reading effects: school %s level %s window %s given twice", e.School, e.Level, WindowLabel(e.First))
		}
		s.eff[w] = e
	}

	keys := make([]schoolKey, 0, len(bySchool))
	for k := range bySchool {
		keys = append(keys, k)
	}
	levelPos := func(l string) int { return slices.Index(cfg.Levels, l) }
	slices.SortFunc(keys, func(a, b schoolKey) int {
		return cmp.Or(cmp.Compare(levelPos(a.level), levelPos(b.level)), cmp.Compare(a.school, b.school))
	})

	res := Result{Config: cfg, Schools: make([]SchoolProfile, 0, len(keys))}
	for _, k := range keys {
		res.Schools = append(res.Schools, classify(k, bySchool[k].eff, factsBy[k], nat[k.level], cfg))
	}
	for _, level := range cfg.Levels {
		res.Counts = append(res.Counts, count(level, res.Schools)...)
		for _, p := range AllProfiles {
			res.Representatives = append(res.Representatives, represent(level, p, res.Schools, cfg))
		}
	}
	return res, nil
}

func checkEffect(e *Effect) error {
	where := fmt.Sprintf("school %s level %s window %s", e.School, e.Level, WindowLabel(e.First))
	switch {
	case e.Window != "" && e.Window != WindowLabel(e.First):
		return fmt.Errorf("reading effects: school %s level %s: window label %q does not match first year %d", e.School, e.Level, e.Window, e.First)
	case math.IsNaN(e.Effect) || math.IsInf(e.Effect, 0):
		return fmt.Errorf("reading effects: %s: effect %v is not finite", where, e.Effect)
	case math.IsNaN(e.SE) || math.IsInf(e.SE, 0) || e.SE < 0:
		return fmt.Errorf("reading effects: %s: se %v is not a finite non-negative number", where, e.SE)
	case e.N < 0:
		return fmt.Errorf("reading effects: %s: N %d is negative", where, e.N)
	}
	return nil
}

// nationalByLevel indexes national by level; a level of cfg.Levels without
// one gets a National whose every value is missing.
func nationalByLevel(national []National, cfg Config) (map[string]*National, error) {
	nat := make(map[string]*National, len(national))
	for i := range national {
		n := &national[i]
		if _, dup := nat[n.Level]; dup {
			return nil, fmt.Errorf("reading national values: level %s given twice", n.Level)
		}
		nat[n.Level] = n
	}
	for _, level := range cfg.Levels {
		n := nat[level]
		if n == nil {
			nat[level] = &National{Level: level, Result: math.NaN(), Bullying: math.NaN(), HigherEducation: math.NaN()}
			continue
		}
		inf := func(name string, v float64) error {
			if math.IsInf(v, 0) {
				return fmt.Errorf("reading national values: level %s: %s %v is infinite", level, name, v)
			}
			return nil
		}
		if err := cmp.Or(inf("result", n.Result), inf("bullying", n.Bullying), inf("higher education", n.HigherEducation)); err != nil {
			return nil, err
		}
		for _, ix := range cfg.Indices {
			if err := inf("index "+ix.Code, n.Survey[ix.Code]); err != nil {
				return nil, err
			}
		}
	}
	return nat, nil
}

// classify applies the rules to one school; eff is indexed by window, nil
// where missing.
func classify(k schoolKey, eff []*Effect, f *Facts, nat *National, cfg Config) SchoolProfile {
	sp := SchoolProfile{School: k.school, Level: k.level}
	minN := math.MaxInt
	for _, e := range eff {
		if e != nil {
			sp.Windows++
			minN = min(minN, e.N)
		}
	}
	sp.MinNPupils = minN
	if last := eff[len(eff)-1]; last != nil {
		sp.Latest, sp.NPupils = true, last.N
	}
	sp.Complete = sp.Windows == cfg.Windows
	if !sp.Complete {
		return sp
	}
	sp.Effects = make([]float64, len(eff))
	for w, e := range eff {
		sp.Effects[w] = e.Effect
	}
	sp.MeanEffect = mean(sp.Effects)
	sp.Slope = slope(sp.Effects)

	high, low := true, true
	for _, e := range eff {
		lo, hi := e.Effect, e.Effect
		if cfg.SBIRule == SBIInterval {
			lo, hi = e.Effect-cfg.Z*e.SE, e.Effect+cfg.Z*e.SE
		}
		high = high && lo > 0
		low = low && hi < 0
	}
	var progression bool
	switch cfg.ProgressionRule {
	case ProgressionMonotone:
		progression = true
		for w := 1; w < len(eff); w++ {
			progression = progression && sp.Effects[w]-sp.Effects[w-1] > cfg.MinStep
		}
	case ProgressionSlope:
		progression = sp.Slope > cfg.MinSlope
	}

	if f == nil {
		f = &Facts{Result: math.NaN(), Bullying: math.NaN(), HigherEducation: math.NaN()}
	}
	better, worse := 0, 0
	for _, ix := range cfg.Indices {
		v, ok := f.Survey[ix.Code]
		nv, nok := nat.Survey[ix.Code]
		if !ok || !nok || math.IsNaN(v) || math.IsNaN(nv) {
			sp.MissingFacts = true
			continue
		}
		d := v - nv
		if ix.LowerIsBetter {
			d = -d
		}
		if d > 0 {
			better++
		} else if d < 0 {
			worse++
		}
	}
	for _, v := range []float64{f.Result, f.Bullying, f.HigherEducation, nat.Result, nat.Bullying, nat.HigherEducation} {
		if math.IsNaN(v) {
			sp.MissingFacts = true
		}
	}
	need := len(cfg.Indices)
	if cfg.SurveyRule == SurveyKOfN {
		need = cfg.SurveyK
	}
	good := f.Result > nat.Result && better >= need && f.Bullying <= nat.Bullying+cfg.BullyingTolerance
	bad := f.Result < nat.Result && worse >= need && f.Bullying > nat.Bullying

	if high && good {
		sp.Profile |= P1
		if f.HigherEducation < nat.HigherEducation {
			sp.Profile |= P2
		}
	}
	if progression && good {
		sp.Profile |= P3
	}
	if low && bad {
		sp.Profile |= P4
	}
	return sp
}

func count(level string, schools []SchoolProfile) []Count {
	n := map[string]int{}
	for i := range schools {
		s := &schools[i]
		if s.Level != level {
			continue
		}
		n[CountSchools]++
		if !s.Complete {
			n[CountIncomplete]++
			continue
		}
		n[CountComplete]++
		if s.MissingFacts {
			n[CountMissingFacts]++
		}
		if s.Profile == 0 {
			n[CountNone]++
		}
		for _, p := range AllProfiles {
			if s.Profile.Has(p) {
				n[p.String()]++
			}
		}
	}
	cats := []string{CountSchools, CountComplete, CountIncomplete, CountMissingFacts, "P1", "P2", "P3", "P4", CountNone}
	out := make([]Count, len(cats))
	for i, c := range cats {
		out[i] = Count{Level: level, Category: c, Schools: n[c]}
	}
	return out
}

func represent(level string, p Profile, schools []SchoolProfile, cfg Config) Representative {
	r := Representative{Level: level, Profile: p}
	var best *SchoolProfile
	// score: larger is better.
	score := func(s *SchoolProfile) float64 {
		switch p {
		case P3:
			return s.Slope
		case P4:
			return -s.MeanEffect
		default:
			return s.MeanEffect
		}
	}
	for i := range schools {
		s := &schools[i]
		if s.Level != level || !s.Complete || !s.Profile.Has(p) {
			continue
		}
		r.Candidates++
		size := s.NPupils
		if cfg.SizeRule == SizeEvery {
			size = s.MinNPupils
		}
		if size < cfg.MinPupils {
			continue
		}
		r.Eligible++
		// schools are sorted by school within a level, so a strict > keeps
		// the smaller code on a tie.
		if best == nil || score(s) > score(best) {
			best = s
		}
	}
	if best != nil {
		r.School, r.MeanEffect, r.Slope, r.NPupils = best.School, best.MeanEffect, best.Slope, best.NPupils
	}
	return r
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// slope is the OLS slope of x on 0, 1, …, len(x)-1 (one step per spring
// year between consecutive windows).
func slope(x []float64) float64 {
	n := float64(len(x))
	tbar := (n - 1) / 2
	xbar := mean(x)
	var sxy, stt float64
	for i, v := range x {
		t := float64(i) - tbar
		sxy += t * (v - xbar)
		stt += t * t
	}
	return sxy / stt
}
