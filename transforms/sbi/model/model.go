// Package model fits the two school contribution estimators of spec/indicators.md §1 to one
// estimation sample (one level, one window): `fixed`, OLS with school fixed effects by the
// within transformation, and `mixed`, a random school intercept fitted by REML.
//
// The caller (the SBI transform) builds the design: outcome, covariate columns with their names
// (dummies already built, reference categories already left out) and a dense school code per
// pupil. Fixed and Mixed are pure functions of that design: no I/O, no global state, safe to call
// concurrently on different designs. Memory is O(N·K); neither estimator forms an N×S dummy
// matrix or an N×N covariance matrix.
//
// Degenerate input never yields NaN. A covariate column without variation (for Fixed: without
// variation inside schools, i.e. aliased with the school effects; for Mixed: constant over the
// sample, i.e. aliased with the intercept) is dropped and listed in the result's Dropped, as R's
// lm drops an aliased column. A column that is a linear combination of other columns is, by
// default, an error naming the columns ("a design still singular after that ... is an error",
// §1); Design.OnAliased = DropAliased drops the later column instead, exactly as lm reports NA
// for it. Errors are plain Go errors; the caller adds level and window.
package model

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Z95 is the two-sided 95 % normal quantile used for every interval. §1 asks for "a 95 %
// interval" without naming the distribution. We use the normal quantile rather than Student's t:
// se_s = sigma_e/sqrt(n_s) already treats sigma_e as known, and sigma_e rests on N-S-K degrees of
// freedom (tens of thousands nationally), where t and normal agree to the fourth decimal.
const Z95 = 1.959963984540054

// Tolerances of the column screening, in the spirit of R's lm (dqrdc2, tol = 1e-7 on the ratio
// of a column's residual norm to its original norm).
const (
	// constTol: a column whose transformed (within- or grand-centred) norm is at most constTol
	// times its raw norm has no variation and is dropped.
	constTol = 1e-7
	// aliasTol: a column whose squared residual norm, after regression on the columns kept
	// before it (all scaled to unit norm), is below aliasTol is aliased. This is a ratio of
	// squared norms computed from cross-products, hence 1e-10 (a norm ratio of 1e-5) rather
	// than lm's 1e-14: cross-products carry rounding of order 1e-16·K, so lm's threshold
	// would mistake exact collinearity for rank.
	aliasTol = 1e-10
)

// AliasPolicy says what Fixed and Mixed do with a covariate that is a linear combination of
// the covariates before it (after the columns without variation are dropped).
type AliasPolicy int

const (
	// ErrorOnAliased (the default) returns an error naming the aliased column and the columns
	// it depends on, as §1 requires for "a design still singular".
	ErrorOnAliased AliasPolicy = iota
	// DropAliased drops the later aliased column and lists it in Dropped, as lm reports NA
	// for the later of two aliased columns.
	DropAliased
)

// Design is one estimation sample.
//
// Layout: X is column-major, X[k] being covariate k over all N pupils, so a caller holding
// Arrow float64 columns passes their values without copying. Names[k] names X[k] and is what
// Dropped and errors report. School[i] is the school code of pupil i, dense in 0..S-1 where
// S-1 is the largest code present; every code in that range must have at least one pupil (the
// caller maps organisation numbers to codes and back). Result slices indexed by school use the
// same codes.
//
// No intercept column is needed: Fixed absorbs the intercept into the school effects and Mixed
// adds its own "(Intercept)". A constant column passed anyway is dropped and listed.
// Fixed and Mixed read the design and never modify it.
type Design struct {
	Y         []float64
	X         [][]float64
	Names     []string
	School    []int32
	OnAliased AliasPolicy
}

// Class is a school's classification against the national average (0) from its 95 % interval.
type Class string

// The three classifications of §1.
const (
	Above        Class = "above"         // lower bound > 0
	Below        Class = "below"         // upper bound < 0
	NotDifferent Class = "not_different" // the interval covers 0
)

// Interval is the 95 % interval effect ± Z95·se and its class (§1): Above when
// the lower bound is > 0, Below when the upper bound is < 0, else NotDifferent. Every
// interval of a school, municipality, county or the nation is made by it.
func Interval(effect, se float64) (lower, upper float64, class Class) {
	lower, upper = effect-Z95*se, effect+Z95*se
	return lower, upper, classify(lower, upper)
}

func classify(lower, upper float64) Class {
	switch {
	case lower > 0:
		return Above
	case upper < 0:
		return Below
	default:
		return NotDifferent
	}
}

// SchoolEffect is one school's estimate, indexed in results by school code.
type SchoolEffect struct {
	N      int     // pupils of the school in the sample
	Effect float64 // fixed: centred theta_s; mixed: the BLUP u_s
	SE     float64 // fixed: sigma_e/sqrt(n_s); mixed: conditional sd of u_s (lme4's condVar)
	Lower  float64 // Effect - Z95·SE
	Upper  float64 // Effect + Z95·SE
	Class  Class
	// Fixed only (zero for mixed): the empirical-Bayes shrinkage factor lambda_s and the
	// shrunken effect Effect·lambda_s.
	Lambda float64
	Shrunk float64
}

func newSchoolEffect(n int, effect, se float64) SchoolEffect {
	lo, hi, c := Interval(effect, se)
	return SchoolEffect{N: n, Effect: effect, SE: se, Lower: lo, Upper: hi, Class: c}
}

// sample holds what both estimators need from one pass over the design: school sizes and
// means, and the within-school-demeaned columns with their cross-products.
type sample struct {
	n, s, k int
	ns      []int       // pupils per school
	ybar    []float64   // school means of y
	xbar    [][]float64 // xbar[k][s]: school means of column k
	yw      []float64   // y - ybar[school]
	xw      [][]float64 // xw[k][i]: X[k][i] - xbar[k][school[i]]
	cw      []float64   // k×k row-major: xw[a]·xw[b]
	cwy     []float64   // xw[k]·yw
	ywyw    float64     // yw·yw
	rawSS   []float64   // sum of X[k][i]² (the reference norm² of the screening)
}

// summarise validates d and computes the per-school statistics. It is the only O(N·K) pass
// besides the QR of Fixed.
func summarise(d Design) (*sample, error) {
	n := len(d.Y)
	if n == 0 {
		return nil, errors.New("no pupils in the estimation sample")
	}
	if len(d.School) != n {
		return nil, fmt.Errorf("school codes: %d values for %d pupils", len(d.School), n)
	}
	if len(d.Names) != len(d.X) {
		return nil, fmt.Errorf("%d column names for %d columns", len(d.Names), len(d.X))
	}
	for k, col := range d.X {
		if len(col) != n {
			return nil, fmt.Errorf("column %q: %d values for %d pupils", d.Names[k], len(col), n)
		}
		if i := nonFinite(col); i >= 0 {
			return nil, fmt.Errorf("column %q: pupil %d has a non-finite value %v", d.Names[k], i, col[i])
		}
	}
	if i := nonFinite(d.Y); i >= 0 {
		return nil, fmt.Errorf("outcome: pupil %d has a non-finite value %v", i, d.Y[i])
	}
	constant := true
	for _, v := range d.Y[1:] {
		if v != d.Y[0] {
			constant = false
			break
		}
	}
	if constant {
		return nil, fmt.Errorf("outcome has no variance: all %d pupils have %v", n, d.Y[0])
	}
	s := 0
	for i, c := range d.School {
		if c < 0 {
			return nil, fmt.Errorf("pupil %d has a negative school code %d", i, c)
		}
		s = max(s, int(c)+1)
	}
	k := len(d.X)
	sm := &sample{n: n, s: s, k: k, ns: make([]int, s), ybar: make([]float64, s),
		xbar: make([][]float64, k), yw: make([]float64, n), xw: make([][]float64, k),
		cwy: make([]float64, k), rawSS: make([]float64, k)}
	for i, c := range d.School {
		sm.ns[c]++
		sm.ybar[c] += d.Y[i]
	}
	var empty []string
	for c, m := range sm.ns {
		if m == 0 {
			empty = append(empty, fmt.Sprint(c))
			continue
		}
		sm.ybar[c] /= float64(m)
	}
	if len(empty) > 0 {
		return nil, fmt.Errorf("school codes must be dense in 0..%d; no pupils for %s", s-1, strings.Join(empty, ", "))
	}
	for i, c := range d.School {
		sm.yw[i] = d.Y[i] - sm.ybar[c]
	}
	sm.ywyw = floats.Dot(sm.yw, sm.yw)
	for j, col := range d.X {
		mb := make([]float64, s)
		for i, c := range d.School {
			mb[c] += col[i]
		}
		for c, m := range sm.ns {
			mb[c] /= float64(m)
		}
		w := make([]float64, n)
		for i, c := range d.School {
			w[i] = col[i] - mb[c]
		}
		sm.xbar[j], sm.xw[j] = mb, w
		sm.rawSS[j] = floats.Dot(col, col)
		sm.cwy[j] = floats.Dot(w, sm.yw)
	}
	sm.cw = make([]float64, k*k)
	for a := 0; a < k; a++ {
		for b := a; b < k; b++ {
			v := floats.Dot(sm.xw[a], sm.xw[b])
			sm.cw[a*k+b], sm.cw[b*k+a] = v, v
		}
	}
	return sm, nil
}

func nonFinite(v []float64) int {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i
		}
	}
	return -1
}

// screen chooses the columns that enter a fit, in the caller's order. cross is the k×k
// row-major cross-product of the columns after the estimator's transformation (within-demeaned
// for Fixed, grand-centred for Mixed) and rawSS their raw sums of squares. A column with
// cross_jj <= constTol²·rawSS_j (or an
// all-zero column) has no variation and goes to dropped. The others are tested in order against
// the columns kept before them by extending a Cholesky factor of their correlation matrix; an
// aliased column is dropped or reported according to policy. what names the transformation in
// messages ("within schools", "over the sample").
func screen(names []string, cross []float64, rawSS []float64, policy AliasPolicy, what string) (keep []int, dropped []string, err error) {
	k := len(names)
	at := func(i, j int) float64 { return cross[i*k+j] }
	var cand []int
	for j := 0; j < k; j++ {
		if rawSS[j] == 0 || at(j, j) <= constTol*constTol*rawSS[j] {
			dropped = append(dropped, names[j])
			continue
		}
		cand = append(cand, j)
	}
	var chol mat.Cholesky
	for _, j := range cand {
		if len(keep) == 0 {
			chol.Factorize(mat.NewSymDense(1, []float64{1}))
			keep = append(keep, j)
			continue
		}
		w := mat.NewVecDense(len(keep), nil)
		for i, q := range keep {
			w.SetVec(i, at(q, j)/math.Sqrt(at(q, q)*at(j, j)))
		}
		var l mat.TriDense
		chol.LTo(&l)
		z := mat.NewVecDense(len(keep), nil)
		if err := z.SolveVec(&l, w); err != nil {
			return nil, nil, fmt.Errorf("screening column %q: %w", names[j], err)
		}
		resid := 1 - mat.Dot(z, z)
		if resid >= aliasTol {
			var ext mat.Cholesky
			if !ext.ExtendVecSym(&chol, mat.NewVecDense(len(keep)+1, append(w.RawVector().Data, 1))) {
				return nil, nil, fmt.Errorf("screening column %q: cross-product not positive definite", names[j])
			}
			chol = ext
			keep = append(keep, j)
			continue
		}
		if policy == DropAliased {
			dropped = append(dropped, names[j])
			continue
		}
		// Name the columns the aliased one depends on: coefficients of its regression on the
		// kept (unit-scaled) columns that are not negligible.
		a := mat.NewVecDense(len(keep), nil)
		if err := chol.SolveVecTo(a, w); err != nil {
			return nil, nil, fmt.Errorf("screening column %q: %w", names[j], err)
		}
		var on []string
		for i, q := range keep {
			if math.Abs(a.AtVec(i)) > 1e-6 {
				on = append(on, fmt.Sprintf("%q", names[q]))
			}
		}
		return nil, nil, fmt.Errorf("design is singular %s: column %q is a linear combination of %s",
			what, names[j], strings.Join(on, ", "))
	}
	return keep, dropped, nil
}
