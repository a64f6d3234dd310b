package model

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// FixedResult is the `fixed` estimator of §1 for one estimation sample.
type FixedResult struct {
	// Names are the covariates that entered the fit, in the caller's order; Beta and BetaSE
	// follow them. There is no intercept: it is absorbed by the school effects.
	Names  []string
	Beta   []float64
	BetaSE []float64 // sqrt of the diagonal of sigma_e²·(Xw'Xw)⁻¹, as lm's Std. Error
	// Dropped lists the covariates left out, in the caller's order: those without variation
	// within schools, and aliased ones under DropAliased.
	Dropped []string
	N, S    int
	DF      int     // N - S - len(Beta): the residual degrees of freedom
	Sigma2  float64 // sigma_e², the residual variance on DF degrees of freedom
	// Centre is the pupil-weighted mean of the raw effects theta_s that was subtracted, so the
	// effects in Schools have pupil-weighted mean 0.
	Centre float64
	// Tau2 is the method-of-moments variance of the true effects used for shrinkage:
	// max(0, var(theta) - mean(se²)), var and mean taken over schools unweighted, var with
	// denominator S-1 (R's var); 0 when S = 1.
	Tau2    float64
	Schools []SchoolEffect // by school code
}

// Fixed fits OLS with school fixed effects by the within transformation: y and X are demeaned
// by school and beta solves the least-squares problem of the demeaned data by Householder QR
// (LAPACK's dgeqrf through gonum, as lm uses QR). The raw effect is
// theta_s = mean_s(y) - mean_s(X)·beta, which equals the intercept plus the school dummy's
// coefficient of lm(y ~ X + factor(school)); the effects are then centred (pupil-weighted mean
// 0). se_s = sigma_e/sqrt(n_s), with sigma_e² = RSS/(N-S-K). Intervals are Effect ± Z95·SE.
//
// Errors: no pupils, an outcome without variance, non-finite values, an aliased column under
// ErrorOnAliased (the message names the columns), no residual degrees of freedom, or a
// residual variance of zero (the covariates and schools reproduce y exactly).
func Fixed(d Design) (*FixedResult, error) {
	sm, err := summarise(d)
	if err != nil {
		return nil, err
	}
	keep, dropped, err := screen(d.Names, sm.cw, sm.rawSS, d.OnAliased, "within schools")
	if err != nil {
		return nil, err
	}
	n, s, p := sm.n, sm.s, len(keep)
	df := n - s - p
	if df <= 0 {
		return nil, fmt.Errorf("no residual degrees of freedom: %d pupils, %d schools, %d covariates", n, s, p)
	}
	beta, cov, rss, err := withinQR(sm, keep)
	if err != nil {
		return nil, err
	}
	sigma2 := rss / float64(df)
	if !(sigma2 > 0) {
		return nil, errors.New("residual variance is zero: schools and covariates reproduce the outcome exactly")
	}
	res := &FixedResult{Names: make([]string, p), Beta: beta, BetaSE: make([]float64, p),
		Dropped: dropped, N: n, S: s, DF: df, Sigma2: sigma2, Schools: make([]SchoolEffect, s)}
	for i, q := range keep {
		res.Names[i] = d.Names[q]
		res.BetaSE[i] = math.Sqrt(sigma2 * cov[i*p+i])
	}

	theta := make([]float64, s)
	var centre float64
	for c := range theta {
		t := sm.ybar[c]
		for i, q := range keep {
			t -= sm.xbar[q][c] * beta[i]
		}
		theta[c] = t
		centre += float64(sm.ns[c]) * t
	}
	centre /= float64(n)
	res.Centre = centre

	sigma := math.Sqrt(sigma2)
	var mean, meanSE2 float64
	for c := range theta {
		theta[c] -= centre
		mean += theta[c]
		meanSE2 += sigma2 / float64(sm.ns[c])
	}
	mean /= float64(s)
	meanSE2 /= float64(s)
	if s > 1 {
		var v float64
		for _, t := range theta {
			v += (t - mean) * (t - mean)
		}
		v /= float64(s - 1)
		res.Tau2 = max(0, v-meanSE2)
	}
	for c, t := range theta {
		se := sigma / math.Sqrt(float64(sm.ns[c]))
		e := newSchoolEffect(sm.ns[c], t, se)
		e.Lambda = res.Tau2 / (res.Tau2 + se*se)
		e.Shrunk = t * e.Lambda
		res.Schools[c] = e
	}
	return res, nil
}

// withinQR solves min ||yw - Xw·beta|| over the kept within-demeaned columns by Householder QR.
// It returns beta, (Xw'Xw)⁻¹ = R⁻¹R⁻ᵀ as a row-major p×p slice, and the residual sum of
// squares (the squared norm of the last N-p entries of Q'yw). It allocates one N×p matrix.
func withinQR(sm *sample, keep []int) (beta, cov []float64, rss float64, err error) {
	n, p := sm.n, len(keep)
	qty := append([]float64(nil), sm.yw...)
	if p == 0 {
		return nil, nil, floats.Dot(qty, qty), nil
	}
	a := blas64.General{Rows: n, Cols: p, Stride: p, Data: make([]float64, n*p)}
	for j, q := range keep {
		col := sm.xw[q]
		for i, v := range col {
			a.Data[i*p+j] = v
		}
	}
	tau := make([]float64, p)
	work := make([]float64, 1)
	lapack64.Geqrf(a, tau, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Geqrf(a, tau, work, len(work))

	c := blas64.General{Rows: n, Cols: 1, Stride: 1, Data: qty}
	lapack64.Ormqr(blas.Left, blas.Trans, a, tau, c, work, -1)
	if need := int(work[0]); need > len(work) {
		work = make([]float64, need)
	}
	lapack64.Ormqr(blas.Left, blas.Trans, a, tau, c, work, len(work))

	r := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: p, Stride: p, Data: a.Data[:p*p]}
	for i := 0; i < p; i++ {
		if r.Data[i*p+i] == 0 {
			return nil, nil, 0, fmt.Errorf("within QR: zero pivot at column %d", i)
		}
	}
	beta = append([]float64(nil), qty[:p]...)
	blas64.Trsv(blas.NoTrans, r, blas64.Vector{N: p, Inc: 1, Data: beta})
	rss = floats.Dot(qty[p:], qty[p:])

	// (R'R)⁻¹ = R⁻¹R⁻ᵀ from the inverse of the upper triangle.
	rinv := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: p, Stride: p, Data: make([]float64, p*p)}
	for i := 0; i < p; i++ {
		copy(rinv.Data[i*p+i:i*p+p], r.Data[i*p+i:i*p+p])
	}
	if !lapack64.Trtri(rinv) {
		return nil, nil, 0, errors.New("within QR: R is singular")
	}
	cov = make([]float64, p*p)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			var v float64
			for k := j; k < p; k++ { // rows i and j of R⁻¹ are zero left of i and j
				v += rinv.Data[i*p+k] * rinv.Data[j*p+k]
			}
			cov[i*p+j], cov[j*p+i] = v, v
		}
	}
	return beta, cov, rss, nil
}
