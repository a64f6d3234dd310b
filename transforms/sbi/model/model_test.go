package model_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/skolestat/skolestat/transforms/sbi/model"
)

// withColumn returns a copy of d with one more covariate appended.
func withColumn(d model.Design, name string, col []float64) model.Design {
	d.X = append(slices.Clone(d.X), col)
	d.Names = append(slices.Clone(d.Names), name)
	return d
}

func filled(n int, v float64) []float64 {
	c := make([]float64, n)
	for i := range c {
		c[i] = v
	}
	return c
}

// Three schools, no covariates: A = {1, 3}, B = {2, 4, 6}, C = {10} (a school of one pupil).
// Worked out by hand: school means 2, 4, 10; pupil-weighted mean 26/6 = 13/3; centred effects
// -7/3, -1/3, 17/3; within SS 2 + 8 + 0 = 10 on 6 - 3 - 0 = 3 df, sigma² = 10/3; se_s =
// sqrt(10/3 / n_s). EB: the effects have mean 1, deviations -10/3, -4/3, 14/3, so var =
// (100 + 16 + 196)/9/2 = 52/3; mean se² = (10/3)(1/2 + 1/3 + 1)/3 = 55/27; tau² = 52/3 - 55/27.
func TestFixedByHand(t *testing.T) {
	d := model.Design{Y: []float64{1, 2, 3, 4, 6, 10}, School: []int32{0, 1, 0, 1, 1, 2}}
	res, err := model.Fixed(d)
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-12
	sigma2 := 10.0 / 3
	if res.DF != 3 || math.Abs(res.Sigma2-sigma2) > tol || math.Abs(res.Centre-13.0/3) > tol {
		t.Fatalf("df %d sigma2 %v centre %v", res.DF, res.Sigma2, res.Centre)
	}
	tau2 := 52.0/3 - 55.0/27
	if math.Abs(res.Tau2-tau2) > tol {
		t.Errorf("EB tau2 = %v, want %v", res.Tau2, tau2)
	}
	want := []struct {
		n      int
		effect float64
		class  model.Class
	}{{2, -7.0 / 3, model.NotDifferent}, {3, -1.0 / 3, model.NotDifferent}, {1, 17.0 / 3, model.Above}}
	for c, w := range want {
		e := res.Schools[c]
		se := math.Sqrt(sigma2 / float64(w.n))
		lambda := tau2 / (tau2 + se*se)
		if e.N != w.n || math.Abs(e.Effect-w.effect) > tol || math.Abs(e.SE-se) > tol ||
			math.Abs(e.Shrunk-w.effect*lambda) > tol || e.Class != w.class {
			t.Errorf("school %d: got %+v, want n %d effect %v se %v shrunk %v %s", c, e, w.n, w.effect, se, w.effect*lambda, w.class)
		}
		if math.Abs(e.Lower-(w.effect-1.959963984540054*se)) > tol || math.Abs(e.Upper-(w.effect+1.959963984540054*se)) > tol {
			t.Errorf("school %d: interval [%v, %v]", c, e.Lower, e.Upper)
		}
	}
}

// Balanced one-way layout (4 schools × 3 pupils, no covariates): REML equals the ANOVA
// estimators, sigma² = MSW and tau² = (MSB - MSW)/n when positive; when MSB < MSW the optimum
// is on the boundary, tau² = 0 and sigma² = SST/(N-1). Worked out from the sums of squares here,
// not through the profile.
func TestMixedBalancedANOVA(t *testing.T) {
	school := []int32{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3}
	cases := []struct {
		name string
		y    []float64
	}{
		{"interior", []float64{1, 2, 4, 5, 7, 6, 0, 1, -1, 3, 3, 5}},
		{"boundary", []float64{1, 5, 3, 2, 6, 1, 4, 0, 5, 3, 1, 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var grand float64
			means := make([]float64, 4)
			for i, y := range tc.y {
				means[school[i]] += y / 3
				grand += y / 12
			}
			var ssw, ssb float64
			for i, y := range tc.y {
				ssw += (y - means[school[i]]) * (y - means[school[i]])
				ssb += (means[school[i]] - grand) * (means[school[i]] - grand)
			}
			msw, msb := ssw/8, ssb/3
			wantS2, wantT2 := msw, (msb-msw)/3
			if wantT2 <= 0 {
				wantS2, wantT2 = (ssw+ssb)/11, 0
			}
			res, err := model.Mixed(model.Design{Y: tc.y, School: school})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(res.Sigma2-wantS2) > 1e-7 || math.Abs(res.Tau2-wantT2) > 1e-7 {
				t.Errorf("sigma2 %v tau2 %v, want %v %v (MSW %v MSB %v)", res.Sigma2, res.Tau2, wantS2, wantT2, msw, msb)
			}
			if math.Abs(res.Beta[0]-grand) > 1e-9 {
				t.Errorf("intercept %v, want the grand mean %v", res.Beta[0], grand)
			}
			g := wantT2 / wantS2
			for c, e := range res.Schools {
				u := g * 3 / (1 + g*3) * (means[c] - grand)
				if math.Abs(e.Effect-u) > 1e-6 {
					t.Errorf("BLUP %d = %v, want %v", c, e.Effect, u)
				}
			}
		})
	}
}

// Constant covariates (an empty income decile, "missing prior" when nobody misses it) are
// dropped and listed, and the fit is R's. For Fixed a school-level column (constant within
// schools) is aliased with the school effects and dropped too; Mixed keeps it.
func TestConstantColumnsDropped(t *testing.T) {
	base, ref := loadPupils(t), loadR(t)
	n := len(base.Y)
	d := withColumn(base, "decile_7", filled(n, 0))
	d = withColumn(d, "missing_prior", filled(n, 1))
	schoolLevel := make([]float64, n)
	for i, s := range d.School {
		schoolLevel[i] = float64(s%3) * 0.5
	}
	fd := withColumn(d, "school_level", schoolLevel)
	// Put a constant column first so that dropping it shifts every later index.
	fd.X = append([][]float64{filled(n, 0)}, fd.X...)
	fd.Names = append([]string{"decile_2"}, fd.Names...)

	fx, err := model.Fixed(fd)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"decile_2", "decile_7", "missing_prior", "school_level"}; !slices.Equal(fx.Dropped, want) {
		t.Errorf("fixed dropped %v, want %v", fx.Dropped, want)
	}
	if !slices.Equal(fx.Names, base.Names) {
		t.Errorf("fixed kept %v", fx.Names)
	}
	for c, e := range fx.Schools {
		near(t, "effect school "+strconv.Itoa(c), e.Effect, ref.get(t, "fixed/effect/"+strconv.Itoa(c)), tolFixed)
	}

	mx, err := model.Mixed(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"decile_7", "missing_prior"}; !slices.Equal(mx.Dropped, want) {
		t.Errorf("mixed dropped %v, want %v", mx.Dropped, want)
	}
	near(t, "mixed tau2", mx.Tau2, ref.get(t, "mixed/tau2/"), tolMixed)
	for c, e := range mx.Schools {
		near(t, "BLUP school "+strconv.Itoa(c), e.Effect, ref.get(t, "mixed/blup/"+strconv.Itoa(c)), tolMixed)
	}
	// A school-level covariate is identified in the mixed model.
	mx2, err := model.Mixed(withColumn(base, "school_level", schoolLevel))
	if err != nil {
		t.Fatal(err)
	}
	if len(mx2.Dropped) != 0 || mx2.Names[len(mx2.Names)-1] != "school_level" {
		t.Errorf("mixed with a school-level covariate: dropped %v, names %v", mx2.Dropped, mx2.Names)
	}
}

// Aliased columns: by default an error naming the aliased column and those it depends on (§1:
// "a design still singular ... is an error that names the columns"); with DropAliased the later
// column is dropped as lm reports NA for it, and the fit is R's fit without it.
func TestAliasedColumns(t *testing.T) {
	base, ref := loadPupils(t), loadR(t)
	n := len(base.Y)
	dup := slices.Clone(base.X[2]) // female
	combo := make([]float64, n)
	for i := range combo {
		combo[i] = 2*base.X[0][i] - base.X[3][i] // 2·prior - immig
	}
	cases := []struct {
		name    string
		col     []float64
		mention []string
	}{
		{"duplicate", dup, []string{`"female_again"`, `"female"`}},
		{"combination", combo, []string{`"combo"`, `"prior"`, `"immig"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := withColumn(base, strings.Trim(tc.mention[0], `"`), tc.col)
			for _, fit := range []func(model.Design) error{
				func(d model.Design) error { _, err := model.Fixed(d); return err },
				func(d model.Design) error { _, err := model.Mixed(d); return err },
			} {
				err := fit(d)
				if err == nil {
					t.Fatal("aliased design fitted without error")
				}
				for _, m := range tc.mention {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q does not name %s", err, m)
					}
				}
				if strings.Contains(err.Error(), `"prior2"`) {
					t.Errorf("error %q names an uninvolved column", err)
				}
			}
			d.OnAliased = model.DropAliased
			fx, err := model.Fixed(d)
			if err != nil {
				t.Fatal(err)
			}
			mx, err := model.Mixed(d)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{strings.Trim(tc.mention[0], `"`)}
			if !slices.Equal(fx.Dropped, want) || !slices.Equal(mx.Dropped, want) {
				t.Errorf("dropped fixed %v mixed %v, want %v", fx.Dropped, mx.Dropped, want)
			}
			for c := range fx.Schools {
				s := strconv.Itoa(c)
				near(t, "effect "+s, fx.Schools[c].Effect, ref.get(t, "fixed/effect/"+s), tolFixed)
				near(t, "BLUP "+s, mx.Schools[c].Effect, ref.get(t, "mixed/blup/"+s), tolMixed)
			}
		})
	}
}

// Input that cannot be fitted gives an error, never NaN.
func TestDegenerateErrors(t *testing.T) {
	base := loadPupils(t)
	nanY := slices.Clone(base.Y)
	nanY[7] = math.NaN()
	gap := slices.Clone(base.School)
	for i := range gap {
		if gap[i] == 4 {
			gap[i] = 12 // code 4 left empty
		}
	}
	cases := []struct {
		name    string
		d       model.Design
		mixed   bool // only Mixed must fail
		mention string
	}{
		{"no pupils", model.Design{Names: []string{"x"}, X: [][]float64{{}}}, false, "no pupils"},
		{"constant outcome", model.Design{Y: filled(len(base.Y), 0.25), X: base.X, Names: base.Names, School: base.School}, false, "no variance"},
		{"NaN outcome", model.Design{Y: nanY, X: base.X, Names: base.Names, School: base.School}, false, "pupil 7"},
		{"NaN covariate", withColumn(base, "bad", append(filled(len(base.Y)-1, 1), math.Inf(1))), false, `"bad"`},
		{"school codes with a gap", model.Design{Y: base.Y, X: base.X, Names: base.Names, School: gap}, false, "no pupils for 4"},
		{"short column", model.Design{Y: base.Y, X: [][]float64{base.X[0][:10]}, Names: []string{"short"}, School: base.School}, false, `"short"`},
		{"every school one pupil", model.Design{Y: []float64{1, 2, 4}, School: []int32{0, 1, 2}}, false, ""},
		{"one school", model.Design{Y: []float64{1, 2, 4}, School: []int32{0, 0, 0}}, true, "two schools"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx, errF := model.Fixed(tc.d)
			_, errM := model.Mixed(tc.d)
			if errM == nil {
				t.Error("Mixed: no error")
			} else if !strings.Contains(errM.Error(), tc.mention) {
				t.Errorf("Mixed error %q does not mention %q", errM, tc.mention)
			}
			if tc.mixed {
				if errF != nil {
					t.Errorf("Fixed: %v", errF)
				}
				for _, e := range fx.Schools {
					if e.Effect != 0 || math.IsNaN(e.SE) || math.IsNaN(e.Shrunk) {
						t.Errorf("one school: %+v, want effect 0 and no NaN", e)
					}
				}
				return
			}
			if errF == nil {
				t.Error("Fixed: no error")
			} else if !strings.Contains(errF.Error(), tc.mention) {
				t.Errorf("Fixed error %q does not mention %q", errF, tc.mention)
			}
		})
	}
}
