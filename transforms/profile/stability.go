package profile

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Stability measures (the measure column of [StabilitySchema]).
const (
	MeasureYearToYear  = "year_to_year"
	MeasureSameCohort  = "same_cohort"
	MeasureReliability = "reliability"
)

// CohortLag is the years between a cohort's spring at the end of one level
// and at the end of the next: grade 4 in spring Y, grade 7 in spring Y+3,
// grade 10 in spring Y+6.
const CohortLag = 3

// CohortPairs are the level pairs of the same-cohort correlation.
var CohortPairs = [][2]string{{"1-4", "5-7"}, {"5-7", "8-10"}}

// StabilityConfig holds the choices of [Stability]. Start from
// [DefaultStabilityConfig].
type StabilityConfig struct {
	// Lag is the distance in years between the first spring years of the
	// two windows of a year-to-year correlation. 1 (the default) pairs
	// consecutive windows, which share a cohort (2017+2018 and 2018+2019
	// both hold the cohort of spring 2018), so part of the correlation is
	// the same pupils counted twice; 2 pairs windows with no cohort in
	// common.
	Lag int
	// MinSchools is the fewest schools a correlation is computed on
	// (default 3); below it the row says so (Defined false).
	MinSchools int
	// MinPupils leaves out school effects resting on fewer pupils (default
	// 0: every effect given is used).
	MinPupils int
}

// DefaultStabilityConfig returns Lag 1, MinSchools 3, MinPupils 0.
func DefaultStabilityConfig() StabilityConfig {
	return StabilityConfig{Lag: 1, MinSchools: 3}
}

func (c StabilityConfig) validate() error {
	if c.Lag < 1 || c.MinSchools < 2 || c.MinPupils < 0 {
		return fmt.Errorf("checking stability config: Lag %d must be >= 1, MinSchools %d >= 2, MinPupils %d >= 0", c.Lag, c.MinSchools, c.MinPupils)
	}
	return nil
}

// StabilityRow is one statistic of [Stability].
//
// Year-to-year (Measure year_to_year): the correlation R between the
// effects of Level in window First and in window ToFirst = First+Lag
// (ToLevel = Level), over the schools with an effect in both.
//
// Same cohort (same_cohort): the correlation R between a school's effects at
// Level in window First and at the next level ToLevel in window ToFirst =
// First+3, over the schools with both. The windows pair so that they hold the
// same two cohorts: window 2014+2015 at 1-4 holds the pupils finishing grade
// 4 in spring 2014 and 2015, who finish grade 7 in spring 2017 and 2018,
// window 2017+2018 at 5-7; and 5-7 2017+2018 pairs with 8-10 2020+2021 the
// same way. A pair exists only for a school that has both levels (a 1-7 or
// 1-10 school for 1-4 → 5-7, a 1-10 school for 5-7 → 8-10); pupils who
// changed school are in both effects but at different schools.
//
// Correlations are Pearson's r over schools, unweighted (every school counts
// once, whatever its size); the seed does not say how its r = -0.30 and
// 0.12 were weighted. Defined is false when fewer than MinSchools schools
// are in the pair or either side has no variance.
//
// Reliability (reliability): for Level and window First, over the schools
// with an effect: MeanSE2 the mean of se², VarEffect the sample variance
// (n - 1) of the effects, NoiseShare = MeanSE2 / VarEffect the share of the
// variance that is sampling noise, and Reliability = max(0, 1 - NoiseShare)
// = tau² / VarEffect with tau² = max(0, VarEffect - MeanSE2), the share that
// is persistent between-school variance (the method-of-moments tau² of the
// shrinkage in package sbi; Kane & Staiger 2002). NoiseShare is not capped:
// above 1 it says the noise alone exceeds the observed variance. Defined is
// false with fewer than 2 schools or no variance. ToLevel and ToFirst are
// empty.
type StabilityRow struct {
	Measure string
	Level   string
	First   int
	ToLevel string
	ToFirst int
	Schools int
	Defined bool

	R float64

	MeanSE2     float64
	VarEffect   float64
	NoiseShare  float64
	Reliability float64
}

// Stability computes every year-to-year and same-cohort correlation and
// every reliability the effects allow, for all levels and windows present.
// Rows are ordered by measure (year_to_year, same_cohort, reliability), then
// level (1-4, 5-7, 8-10, any other in lexical order), then first year. It
// fails on a bad config, a duplicate effect, or an effect that [Profiles]
// would reject.
func Stability(effects []Effect, cfg StabilityConfig) ([]StabilityRow, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	type lw struct {
		level string
		first int
	}
	panel := map[lw]map[string]*Effect{}
	for i := range effects {
		e := &effects[i]
		if err := checkEffect(e); err != nil {
			return nil, err
		}
		k := lw{e.Level, e.First}
		m := panel[k]
		if m == nil {
			m = map[string]*Effect{}
			panel[k] = m
		}
		if _, dup := m[e.School]; dup {
			return nil, fmt.Errorf("reading effects: school %s level %s window %s given twice", e.School, e.Level, WindowLabel(e.First))
		}
		m[e.School] = e
	}
	for _, m := range panel {
		for s, e := range m {
			if e.N < cfg.MinPupils {
				delete(m, s)
			}
		}
	}
	keys := make([]lw, 0, len(panel))
	for k := range panel {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b lw) int {
		return cmp.Or(compareLevels(a.level, b.level), cmp.Compare(a.first, b.first))
	})

	var rows []StabilityRow
	corr := func(measure string, from, to lw) {
		a, b := panel[from], panel[to]
		if b == nil {
			return
		}
		var x, y []float64
		for s, e := range a {
			if f, ok := b[s]; ok {
				x, y = append(x, e.Effect), append(y, f.Effect)
			}
		}
		r, ok := pearson(x, y)
		ok = ok && len(x) >= cfg.MinSchools
		if !ok {
			r = 0
		}
		rows = append(rows, StabilityRow{Measure: measure, Level: from.level, First: from.first,
			ToLevel: to.level, ToFirst: to.first, Schools: len(x), Defined: ok, R: r})
	}
	for _, k := range keys {
		corr(MeasureYearToYear, k, lw{k.level, k.first + cfg.Lag})
	}
	for _, pair := range CohortPairs {
		for _, k := range keys {
			if k.level == pair[0] {
				corr(MeasureSameCohort, k, lw{pair[1], k.first + CohortLag})
			}
		}
	}
	for _, k := range keys {
		rows = append(rows, reliability(k.level, k.first, panel[k]))
	}
	return rows, nil
}

func reliability(level string, first int, m map[string]*Effect) StabilityRow {
	row := StabilityRow{Measure: MeasureReliability, Level: level, First: first, Schools: len(m)}
	if len(m) < 2 {
		return row
	}
	// Sum in school order so the result does not depend on map order.
	schools := make([]string, 0, len(m))
	for s := range m {
		schools = append(schools, s)
	}
	slices.Sort(schools)
	var se2, sum float64
	for _, s := range schools {
		se2 += m[s].SE * m[s].SE
		sum += m[s].Effect
	}
	n := float64(len(m))
	avg := sum / n
	var ss float64
	for _, s := range schools {
		d := m[s].Effect - avg
		ss += d * d
	}
	v := ss / (n - 1)
	if !(v > 0) {
		return row
	}
	row.Defined = true
	row.MeanSE2 = se2 / n
	row.VarEffect = v
	row.NoiseShare = row.MeanSE2 / v
	row.Reliability = max(0, v-row.MeanSE2) / v
	return row
}

// pearson is the sample correlation of x and y; ok is false when there are
// fewer than 2 pairs or either has no variance. The pairs are summed in
// sorted order so the result does not depend on map iteration order.
func pearson(x, y []float64) (float64, bool) {
	if len(x) < 2 {
		return 0, false
	}
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Or(cmp.Compare(x[a], x[b]), cmp.Compare(y[a], y[b])) })
	var sx, sy float64
	for _, i := range idx {
		sx += x[i]
		sy += y[i]
	}
	n := float64(len(x))
	mx, my := sx/n, sy/n
	var sxx, syy, sxy float64
	for _, i := range idx {
		dx, dy := x[i]-mx, y[i]-my
		sxx += dx * dx
		syy += dy * dy
		sxy += dx * dy
	}
	if !(sxx > 0) || !(syy > 0) {
		return 0, false
	}
	r := sxy / math.Sqrt(sxx*syy)
	return max(-1, min(1, r)), true
}

// compareLevels orders the grunnskole levels by grade, any other level after
// them in lexical order.
func compareLevels(a, b string) int {
	rank := func(l string) int {
		if i := slices.Index([]string{"1-4", "5-7", "8-10"}, l); i >= 0 {
			return i
		}
		return 3
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
}
