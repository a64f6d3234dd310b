package model

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Intercept is the name Mixed gives its own intercept column (R's name for it).
const Intercept = "(Intercept)"

// MixedResult is the `mixed` estimator of §1 for one estimation sample: the fit of
// lme4::lmer(y ~ X + (1|school), REML = TRUE).
type MixedResult struct {
	// Names are Intercept followed by the caller's covariates that entered the fit, in the
	// caller's order; Beta and BetaSE follow them.
	Names  []string
	Beta   []float64
	BetaSE []float64 // sqrt of the diagonal of sigma²·(X'V⁻¹X)⁻¹ at the REML estimate, as lme4's vcov
	// Dropped lists the caller's covariates left out: those constant over the sample (aliased
	// with the intercept) and aliased ones under DropAliased.
	Dropped []string
	N, S    int
	Sigma2  float64 // residual variance
	Tau2    float64 // variance of the school intercepts
	Gamma   float64 // Tau2/Sigma2; 0 when the optimum is on the boundary
	// REMLCrit is -2 times the REML log-likelihood at the optimum, comparable with
	// lme4's REMLcrit() (and deviance() of a REML fit).
	REMLCrit float64
	// Schools holds the BLUPs (lme4's ranef) with their conditional standard deviations (the
	// square root of lme4's condVar, which treats beta and the variances as known).
	Schools []SchoolEffect
}

// Mixed fits a random school intercept by REML. The fixed part is an intercept plus the
// caller's columns (the caller passes the same X as to Fixed); a column constant over the
// sample is aliased with that intercept and dropped. School-level covariates (constant within
// schools) are identified here, unlike in Fixed.
//
// Method: with gamma = tau²/sigma², V_s = sigma²(I + gamma·11') has a closed-form inverse and
// determinant, so X'V⁻¹X, X'V⁻¹y and y'V⁻¹y are the within-school cross-products plus a
// between-school part weighted by n_s/(1+gamma·n_s). Profiling out beta and sigma² leaves the
// one-dimensional REML criterion
//
//	sum_s log(1+gamma·n_s) + log det(X'H⁻¹X) + (N-p)(1 + log(2π·RSS(gamma)/(N-p))),
//
// (H = V/sigma²), which is minimised over theta = sqrt(gamma) (lme4's parameter): a grid on
// log theta, then Brent's method in the best bracket; the boundary theta = 0 is bracketed on a
// linear scale and always compared. Then beta is the GLS estimate, sigma² = RSS/(N-p),
// tau² = gamma·sigma², and the BLUP u_s = gamma·n_s/(1+gamma·n_s)·mean_s(y - X·beta).
// Cost per criterion evaluation is O(S·p²); no N×N or N×S matrix is formed.
//
// Errors: those of Fixed's input checks, fewer than two schools, as many schools as pupils
// (lme4 refuses both: the variance components are not identified), or no residual degrees of
// freedom.
func Mixed(d Design) (*MixedResult, error) {
	sm, err := summarise(d)
	if err != nil {
		return nil, err
	}
	if sm.s < 2 {
		return nil, errors.New("random intercept needs at least two schools")
	}
	if sm.s >= sm.n {
		return nil, fmt.Errorf("random intercept needs fewer schools than pupils (%d schools, %d pupils)", sm.s, sm.n)
	}
	fn := float64(sm.n)
	k := sm.k
	// Grand means, and the school means as deviations from them.
	gm := make([]float64, k)
	var ym float64
	for c, m := range sm.ns {
		ym += float64(m) * sm.ybar[c]
		for j := 0; j < k; j++ {
			gm[j] += float64(m) * sm.xbar[j][c]
		}
	}
	ym /= fn
	for j := range gm {
		gm[j] /= fn
	}
	total := make([]float64, k*k) // cross-product of the grand-centred columns
	for a := 0; a < k; a++ {
		for b := a; b < k; b++ {
			v := sm.cw[a*k+b]
			for c, m := range sm.ns {
				v += float64(m) * (sm.xbar[a][c] - gm[a]) * (sm.xbar[b][c] - gm[b])
			}
			total[a*k+b], total[b*k+a] = v, v
		}
	}
	keep, dropped, err := screen(d.Names, total, sm.rawSS, d.OnAliased, "over the sample")
	if err != nil {
		return nil, err
	}
	p := 1 + len(keep)
	if sm.n-p <= 0 {
		return nil, fmt.Errorf("no residual degrees of freedom: %d pupils, %d fixed-effect parameters", sm.n, p)
	}
	pr := newProfile(sm, keep, gm, ym)

	theta, crit := pr.optimise()
	if math.IsInf(crit, 1) {
		return nil, errors.New("REML criterion undefined: the covariates reproduce the outcome exactly")
	}
	gamma := theta * theta
	ev, err := pr.eval(gamma)
	if err != nil {
		return nil, err
	}
	sigma2 := ev.rss / float64(sm.n-p)
	res := &MixedResult{Names: []string{Intercept}, Beta: make([]float64, p), BetaSE: make([]float64, p),
		Dropped: dropped, N: sm.n, S: sm.s, Sigma2: sigma2, Tau2: gamma * sigma2, Gamma: gamma,
		REMLCrit: ev.crit, Schools: make([]SchoolEffect, sm.s)}
	for _, q := range keep {
		res.Names = append(res.Names, d.Names[q])
	}
	// Back from the centred parametrisation (a, b) to (b0, b): b0 = ym + a - gm'b.
	var winv mat.SymDense
	if err := ev.chol.InverseTo(&winv); err != nil {
		return nil, fmt.Errorf("inverting X'V⁻¹X: %w", err)
	}
	t := make([]float64, p) // b0 = ym + t'·(a, b)
	t[0] = 1
	b0 := ym + ev.beta[0]
	for i, q := range keep {
		res.Beta[i+1] = ev.beta[i+1]
		b0 -= gm[q] * ev.beta[i+1]
		t[i+1] = -gm[q]
		res.BetaSE[i+1] = math.Sqrt(sigma2 * winv.At(i+1, i+1))
	}
	res.Beta[0] = b0
	var v0 float64
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			v0 += t[i] * winv.At(i, j) * t[j]
		}
	}
	res.BetaSE[0] = math.Sqrt(sigma2 * v0)

	for c, m := range sm.ns {
		r := pr.h[c] - ev.beta[0]
		for i := range keep {
			r -= pr.g[c*p+i+1] * ev.beta[i+1]
		}
		fm := float64(m)
		u := gamma * fm / (1 + gamma*fm) * r
		se := math.Sqrt(sigma2 * gamma / (1 + gamma*fm))
		res.Schools[c] = newSchoolEffect(m, u, se)
	}
	return res, nil
}

// profile evaluates the REML criterion of a random-intercept model for a given gamma from
// the per-school sufficient statistics, in a parametrisation centred at the grand means (the
// intercept column stays 1), which keeps X'V⁻¹X well conditioned without changing its
// determinant.
type profile struct {
	n, s, p int
	ns      []float64
	cw      *mat.SymDense // p×p: 0 in row/column 0, the within cross-product of kept columns
	cwy     []float64     // p: 0, then within X'y
	ywyw    float64
	g       []float64 // s×p row-major: (1, xbar_s - gm) over kept columns
	h       []float64 // s: ybar_s - ym

	// scratch, reused across evaluations
	sg []float64
	sh []float64
}

func newProfile(sm *sample, keep []int, gm []float64, ym float64) *profile {
	p := 1 + len(keep)
	pr := &profile{n: sm.n, s: sm.s, p: p, ns: make([]float64, sm.s), cw: mat.NewSymDense(p, nil),
		cwy: make([]float64, p), ywyw: sm.ywyw, g: make([]float64, sm.s*p), h: make([]float64, sm.s),
		sg: make([]float64, sm.s*p), sh: make([]float64, sm.s)}
	for i, a := range keep {
		pr.cwy[i+1] = sm.cwy[a]
		for j := i; j < len(keep); j++ {
			pr.cw.SetSym(i+1, j+1, sm.cw[a*sm.k+keep[j]])
		}
	}
	for c, m := range sm.ns {
		pr.ns[c] = float64(m)
		pr.h[c] = sm.ybar[c] - ym
		pr.g[c*p] = 1
		for i, a := range keep {
			pr.g[c*p+i+1] = sm.xbar[a][c] - gm[a]
		}
	}
	return pr
}

type evaluation struct {
	crit float64
	rss  float64
	beta []float64 // centred parametrisation: (a, b)
	chol mat.Cholesky
}

// eval returns the criterion and the GLS solution at gamma >= 0. A non-positive RSS or a
// cross-product that is not positive definite gives crit = +Inf rather than NaN.
func (pr *profile) eval(gamma float64) (*evaluation, error) {
	p := pr.p
	var ldH float64
	for c, m := range pr.ns {
		ldH += math.Log1p(gamma * m)
		w := math.Sqrt(m / (1 + gamma*m))
		for j := 0; j < p; j++ {
			pr.sg[c*p+j] = w * pr.g[c*p+j]
		}
		pr.sh[c] = w * pr.h[c]
	}
	sg := blas64.General{Rows: pr.s, Cols: p, Stride: p, Data: pr.sg}
	// W = cw + sg'sg, r = cwy + sg'sh, yy = ywyw + sh'sh
	w := mat.NewSymDense(p, nil)
	w.CopySym(pr.cw)
	raw := w.RawSymmetric()
	blas64.Syrk(blas.Trans, 1, sg, 1, raw)
	r := append([]float64(nil), pr.cwy...)
	blas64.Gemv(blas.Trans, 1, sg, blas64.Vector{N: pr.s, Inc: 1, Data: pr.sh}, 1, blas64.Vector{N: p, Inc: 1, Data: r})
	yy := pr.ywyw + floats.Dot(pr.sh, pr.sh)

	ev := &evaluation{crit: math.Inf(1)}
	if !ev.chol.Factorize(w) {
		return ev, nil
	}
	rv := mat.NewVecDense(p, r)
	bv := mat.NewVecDense(p, nil)
	if err := ev.chol.SolveVecTo(bv, rv); err != nil {
		return nil, fmt.Errorf("solving the GLS equations at gamma %g: %w", gamma, err)
	}
	ev.beta = bv.RawVector().Data
	ev.rss = yy - mat.Dot(rv, bv)
	if !(ev.rss > 0) {
		return ev, nil
	}
	df := float64(pr.n - p)
	ev.crit = ldH + ev.chol.LogDet() + df*(1+math.Log(2*math.Pi*ev.rss/df))
	return ev, nil
}

func (pr *profile) critAt(theta float64) float64 {
	ev, err := pr.eval(theta * theta)
	if err != nil {
		return math.Inf(1)
	}
	return ev.crit
}

// Grid of log theta for the bracketing search: theta from about 1e-4 (tau/sigma 0.01 %) to
// about 400, beyond which the school intercepts are fixed effects in all but name.
const (
	gridLo, gridHi, gridStep = -9.0, 6.0, 0.5
	brentTol                 = 1e-10
)

// optimise returns the theta >= 0 minimising the criterion and the criterion there.
func (pr *profile) optimise() (theta, crit float64) {
	var ts, fs []float64
	for t := gridLo; t <= gridHi+1e-12; t += gridStep {
		ts = append(ts, t)
		fs = append(fs, pr.critAt(math.Exp(t)))
	}
	best := 0
	for i, f := range fs {
		if f < fs[best] {
			best = i
		}
	}
	f0 := pr.critAt(0)
	switch {
	case best == 0:
		// Near the boundary: search theta itself on [0, theta_1].
		theta, crit = brent(pr.critAt, 0, math.Exp(ts[1]), brentTol)
	default:
		hi := min(best+1, len(ts)-1)
		t, f := brent(func(t float64) float64 { return pr.critAt(math.Exp(t)) }, ts[best-1], ts[hi], brentTol)
		theta, crit = math.Exp(t), f
	}
	if fs[best] < crit {
		theta, crit = math.Exp(ts[best]), fs[best]
	}
	if f0 <= crit {
		return 0, f0
	}
	return theta, crit
}

// brent minimises f on [a, b] by Brent's method (golden section with parabolic steps; Brent
// 1973, as netlib's fmin and R's optimize). tol is the absolute tolerance on x, to which a
// relative sqrt(machine epsilon) is added.
func brent(f func(float64) float64, a, b, tol float64) (xmin, fmin float64) {
	const c = 0.3819660112501051 // (3 - sqrt 5)/2
	eps := math.Sqrt(2.220446049250313e-16)
	x := a + c*(b-a)
	w, v := x, x
	fx := f(x)
	fw, fv := fx, fx
	var d, e float64
	for iter := 0; iter < 500; iter++ {
		xm := 0.5 * (a + b)
		tol1 := eps*math.Abs(x) + tol/3
		tol2 := 2 * tol1
		if math.Abs(x-xm) <= tol2-0.5*(b-a) {
			break
		}
		golden := true
		if math.Abs(e) > tol1 {
			r := (x - w) * (fx - fv)
			q := (x - v) * (fx - fw)
			pp := (x-v)*q - (x-w)*r
			q = 2 * (q - r)
			if q > 0 {
				pp = -pp
			} else {
				q = -q
			}
			r = e
			e = d
			if math.Abs(pp) < math.Abs(0.5*q*r) && pp > q*(a-x) && pp < q*(b-x) {
				d = pp / q
				if u := x + d; u-a < tol2 || b-u < tol2 {
					d = math.Copysign(tol1, xm-x)
				}
				golden = false
			}
		}
		if golden {
			if x < xm {
				e = b - x
			} else {
				e = a - x
			}
			d = c * e
		}
		u := x + d
		if math.Abs(d) < tol1 {
			u = x + math.Copysign(tol1, d)
		}
		fu := f(u)
		if fu <= fx {
			if u < x {
				b = x
			} else {
				a = x
			}
			v, fv, w, fw, x, fx = w, fw, x, fx, u, fu
			continue
		}
		if u < x {
			a = u
		} else {
			b = u
		}
		if fu <= fw || w == x {
			v, fv, w, fw = w, fw, u, fu
		} else if fu <= fv || v == x || v == w {
			v, fv = u, fu
		}
	}
	return x, fx
}
