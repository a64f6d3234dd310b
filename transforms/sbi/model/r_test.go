package model_test

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/skolestat/skolestat/transforms/sbi/model"
)

// The reference values in testdata/r_output.csv come from testdata/verify.R (R's lm and
// lme4::lmer on testdata/pupils.csv); `make verify-r` regenerates them and reruns this test.
// Tolerances are those of spec/indicators.md §1: fixed 1e-8, mixed 1e-4.
const (
	tolFixed = 1e-8
	tolMixed = 1e-4
)

// loadPupils reads testdata/pupils.csv into a Design (columns prior, prior2, female, immig).
func loadPupils(t testing.TB) model.Design {
	t.Helper()
	rows := readCSV(t, filepath.Join("testdata", "pupils.csv"))
	d := model.Design{Names: []string{"prior", "prior2", "female", "immig"}, X: make([][]float64, 4)}
	for _, r := range rows[1:] {
		s, err := strconv.Atoi(r[0])
		if err != nil {
			t.Fatal(err)
		}
		d.School = append(d.School, int32(s))
		d.Y = append(d.Y, parse(t, r[1]))
		for k := range d.X {
			d.X[k] = append(d.X[k], parse(t, r[2+k]))
		}
	}
	return d
}

// rRef maps "model/quantity/name" to R's value.
type rRef map[string]float64

func loadR(t testing.TB) rRef {
	t.Helper()
	ref := rRef{}
	for _, r := range readCSV(t, filepath.Join("testdata", "r_output.csv"))[1:] {
		ref[r[0]+"/"+r[1]+"/"+r[2]] = parse(t, r[3])
	}
	return ref
}

func (r rRef) get(t *testing.T, key string) float64 {
	t.Helper()
	v, ok := r[key]
	if !ok {
		t.Fatalf("r_output.csv has no %s", key)
	}
	return v
}

func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return rows
}

func parse(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// near reports got and want differing by more than tol and returns |got - want|.
func near(t *testing.T, what string, got, want, tol float64) float64 {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.12g, R has %.12g (diff %.3g, tolerance %g)", what, got, want, got-want, tol)
	}
	return math.Abs(got - want)
}

func TestFixedAgainstR(t *testing.T) {
	d, ref := loadPupils(t), loadR(t)
	res, err := model.Fixed(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dropped) != 0 || len(res.Beta) != 4 || res.S != 12 || res.N != 200 {
		t.Fatalf("fit shape: dropped %v, %d betas, %d schools, %d pupils", res.Dropped, len(res.Beta), res.S, res.N)
	}
	near(t, "df", float64(res.DF), ref.get(t, "fixed/df/"), 0)
	for i, name := range res.Names {
		near(t, "beta "+name, res.Beta[i], ref.get(t, "fixed/beta/"+name), tolFixed)
		near(t, "beta se "+name, res.BetaSE[i], ref.get(t, "fixed/beta_se/"+name), tolFixed)
	}
	near(t, "sigma2", res.Sigma2, ref.get(t, "fixed/sigma2/"), tolFixed)
	near(t, "EB tau2", res.Tau2, ref.get(t, "fixed/eb_tau2/"), tolFixed)
	var worst float64
	for c, e := range res.Schools {
		s := strconv.Itoa(c)
		worst = max(worst, near(t, "effect school "+s, e.Effect, ref.get(t, "fixed/effect/"+s), tolFixed))
		near(t, "se school "+s, e.SE, ref.get(t, "fixed/se/"+s), tolFixed)
		near(t, "shrunk school "+s, e.Shrunk, ref.get(t, "fixed/shrunk/"+s), tolFixed)
	}
	t.Logf("fixed: largest |effect - R| %.3g", worst)
	if res.Schools[0].N != 1 {
		t.Errorf("school 0 should be the one-pupil school, has %d", res.Schools[0].N)
	}
}

func TestMixedAgainstR(t *testing.T) {
	d, ref := loadPupils(t), loadR(t)
	res, err := model.Mixed(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dropped) != 0 || len(res.Beta) != 5 || res.Names[0] != model.Intercept {
		t.Fatalf("fit shape: dropped %v, names %v", res.Dropped, res.Names)
	}
	for i, name := range res.Names {
		near(t, "beta "+name, res.Beta[i], ref.get(t, "mixed/beta/"+name), tolMixed)
		near(t, "beta se "+name, res.BetaSE[i], ref.get(t, "mixed/beta_se/"+name), tolMixed)
	}
	near(t, "sigma2", res.Sigma2, ref.get(t, "mixed/sigma2/"), tolMixed)
	near(t, "tau2", res.Tau2, ref.get(t, "mixed/tau2/"), tolMixed)
	near(t, "REML criterion", res.REMLCrit, ref.get(t, "mixed/remlcrit/"), tolMixed)
	var worst float64
	for c, e := range res.Schools {
		s := strconv.Itoa(c)
		worst = max(worst, near(t, "BLUP school "+s, e.Effect, ref.get(t, "mixed/blup/"+s), tolMixed))
		near(t, "cond sd school "+s, e.SE, ref.get(t, "mixed/cond_sd/"+s), tolMixed)
	}
	t.Logf("mixed: largest |BLUP - R| %.3g", worst)
	t.Logf("mixed: sigma2 %.10g (R %.10g), tau2 %.10g (R %.10g), REMLcrit %.10g (R %.10g)",
		res.Sigma2, ref["mixed/sigma2/"], res.Tau2, ref["mixed/tau2/"], res.REMLCrit, ref["mixed/remlcrit/"])
}
