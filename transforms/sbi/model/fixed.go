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

// qrBlock is the rows withinQR factors at a time.
const qrBlock = 2048

// withinQR solves min ||yw - Xw·beta|| over the kept within-demeaned columns by Householder QR
// of the augmented matrix [Xw | yw], a block of rows at a time (tall-skinny QR): the R of the
// rows so far is stacked on the next block and factored again, so the working matrix stays
// (p+1+qrBlock)×(p+1), in cache, and the cost grows linearly with N (one QR of the whole N×p
// matrix streamed it from memory p times: ten times the pupils took twenty times as long).
// R's last column holds Q'yw, and its last diagonal entry the residual norm. It returns beta,
// (Xw'Xw)⁻¹ = R⁻¹R⁻ᵀ as a row-major p×p slice, and the residual sum of squares.
func withinQR(sm *sample, keep []int) (beta, cov []float64, rss float64, err error) {
	n, p := sm.n, len(keep)
	if p == 0 {
		return nil, nil, floats.Dot(sm.yw, sm.yw), nil
	}
	q := p + 1 // the columns of [Xw | yw]
	rows := q + qrBlock
	a := blas64.General{Rows: rows, Cols: q, Stride: q, Data: make([]float64, rows*q)}
	tau := make([]float64, q)
	work := make([]float64, 1)
	lapack64.Geqrf(a, tau, work, -1)
	work = make([]float64, int(work[0]))
	for start := 0; start < n; start += qrBlock {
		m := min(qrBlock, n-start)
		// Rows 0..q-1 hold the R of the blocks before (zero at first); the block goes below.
		for j, c := range keep {
			for i, v := range sm.xw[c][start : start+m] {
				a.Data[(q+i)*q+j] = v
			}
		}
		for i, v := range sm.yw[start : start+m] {
			a.Data[(q+i)*q+p] = v
		}
		lapack64.Geqrf(blas64.General{Rows: q + m, Cols: q, Stride: q, Data: a.Data[:(q+m)*q]}, tau, work, len(work))
		for i := 1; i < q; i++ { // keep R: clear the reflectors below its diagonal
			clear(a.Data[i*q : i*q+i])
		}
	}
	r := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: p, Stride: q, Data: a.Data[:p*q]}
	for i := 0; i < p; i++ {
		if r.Data[i*q+i] == 0 {
			return nil, nil, 0, fmt.Errorf("within QR: zero pivot at column %d", i)
		}
	}
	beta = make([]float64, p)
	for i := range beta {
		beta[i] = a.Data[i*q+p] // Q'yw
	}
	blas64.Trsv(blas.NoTrans, r, blas64.Vector{N: p, Inc: 1, Data: beta})
	res := a.Data[p*q+p]
	rss = res * res

	// (R'R)⁻¹ = R⁻¹R⁻ᵀ from the inverse of the upper triangle.
	rinv := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: p, Stride: p, Data: make([]float64, p*p)}
	for i := 0; i < p; i++ {
		copy(rinv.Data[i*p+i:i*p+p], r.Data[i*q+i:i*q+p])
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
