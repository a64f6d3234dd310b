package profile

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func eff(school, level string, first int, e, se float64, n int) Effect {
	return Effect{School: school, Level: level, First: first, Effect: e, SE: se, N: n}
}

// stabilityPanel: four schools S1..S4.
//
//	5-7 2014+2015: 1, 2, 3, 4   se 0.5, 0.5, 1, 1
//	5-7 2015+2016: 2, 1, 4, 3   se 0 (S4 has 5 pupils)
//	5-7 2016+2017: 5, 5 (S1, S2 only)
//	1-4 2011+2012: 3, 1, 2 (S1..S3) se 1
//	8-10 2017+2018: 10, 30, 20, 40 se 20
func stabilityPanel() []Effect {
	return []Effect{
		eff("S1", "5-7", 2014, 1, 0.5, 50), eff("S2", "5-7", 2014, 2, 0.5, 50),
		eff("S3", "5-7", 2014, 3, 1, 50), eff("S4", "5-7", 2014, 4, 1, 50),
		eff("S1", "5-7", 2015, 2, 0, 50), eff("S2", "5-7", 2015, 1, 0, 50),
		eff("S3", "5-7", 2015, 4, 0, 50), eff("S4", "5-7", 2015, 3, 0, 5),
		eff("S1", "5-7", 2016, 5, 1, 50), eff("S2", "5-7", 2016, 5, 1, 50),
		eff("S1", "1-4", 2011, 3, 1, 50), eff("S2", "1-4", 2011, 1, 1, 50), eff("S3", "1-4", 2011, 2, 1, 50),
		eff("S1", "8-10", 2017, 10, 20, 50), eff("S2", "8-10", 2017, 30, 20, 50),
		eff("S3", "8-10", 2017, 20, 20, 50), eff("S4", "8-10", 2017, 40, 20, 50),
	}
}

// rowString prints a row with the statistics that apply to it.
func rowString(r StabilityRow) string {
	if !r.Defined && r.Measure == MeasureReliability {
		return fmt.Sprintf("%s %s %d n=%d undefined", r.Measure, r.Level, r.First, r.Schools)
	}
	if !r.Defined {
		return fmt.Sprintf("%s %s %d -> %s %d n=%d undefined", r.Measure, r.Level, r.First, r.ToLevel, r.ToFirst, r.Schools)
	}
	if r.Measure == MeasureReliability {
		return fmt.Sprintf("%s %s %d n=%d mse2=%.6f var=%.6f noise=%.6f rel=%.6f", r.Measure, r.Level, r.First, r.Schools, r.MeanSE2, r.VarEffect, r.NoiseShare, r.Reliability)
	}
	return fmt.Sprintf("%s %s %d -> %s %d n=%d r=%.6f", r.Measure, r.Level, r.First, r.ToLevel, r.ToFirst, r.Schools, r.R)
}

func TestStability(t *testing.T) {
	// By hand:
	// 5-7 2014 -> 2015: x 1,2,3,4; y 2,1,4,3; dx -1.5,-.5,.5,1.5; dy -.5,-1.5,1.5,.5;
	//   sxy = 3, sxx = syy = 5, r = 0.6.
	// 5-7 2015 -> 2016: S1, S2 only: undefined (fewer than 3).
	// 1-4 2011 -> 5-7 2014 (S1..S3): x 3,1,2; y 1,2,3; sxy = -1, sxx = syy = 2, r = -0.5.
	// 5-7 2014 -> 8-10 2017: x 1,2,3,4; y 10,30,20,40; dy -15,5,-5,15; sxy = 40,
	//   sxx = 5, syy = 500, r = 40/50 = 0.8.
	// Reliability 1-4 2011: var(3,1,2) = 1, mean se² 1: noise 1, reliability 0.
	// 5-7 2014: var = 5/3, mean se² = (0.25+0.25+1+1)/4 = 0.625, noise 0.375, rel 0.625.
	// 5-7 2015: var 5/3, se 0: noise 0, rel 1.
	// 5-7 2016: 5, 5 has no variance: undefined.
	// 8-10 2017: var 500/3, mean se² 400: noise 2.4, reliability 0 (capped).
	want := []string{
		"year_to_year 5-7 2014 -> 5-7 2015 n=4 r=0.600000",
		"year_to_year 5-7 2015 -> 5-7 2016 n=2 undefined",
		"same_cohort 1-4 2011 -> 5-7 2014 n=3 r=-0.500000",
		"same_cohort 5-7 2014 -> 8-10 2017 n=4 r=0.800000",
		"reliability 1-4 2011 n=3 mse2=1.000000 var=1.000000 noise=1.000000 rel=0.000000",
		"reliability 5-7 2014 n=4 mse2=0.625000 var=1.666667 noise=0.375000 rel=0.625000",
		"reliability 5-7 2015 n=4 mse2=0.000000 var=1.666667 noise=0.000000 rel=1.000000",
		"reliability 5-7 2016 n=2 undefined",
		"reliability 8-10 2017 n=4 mse2=400.000000 var=166.666667 noise=2.400000 rel=0.000000",
	}
	rows, err := Stability(stabilityPanel(), DefaultStabilityConfig())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, rowString(r))
	}
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("rows:\n%s\nwant:\n%s", g, w)
	}
	// Exact values, not only to six digits.
	exact := map[string]float64{"year_to_year 2014": 0.6, "same_cohort 2011": -0.5, "same_cohort 2014": 0.8}
	for _, r := range rows {
		if w, ok := exact[fmt.Sprint(r.Measure, " ", r.First)]; ok && math.Abs(r.R-w) > 1e-14 {
			t.Errorf("%s: r %v, want %v", rowString(r), r.R, w)
		}
	}
}

func TestStabilityOptions(t *testing.T) {
	t.Run("min pupils", func(t *testing.T) {
		// S4 (5 pupils in 2015) drops out of 2014 -> 2015: x 1,2,3; y 2,1,4;
		// dx -1,0,1; dy -1/3,-4/3,5/3; sxy = 2, sxx = 2, syy = 42/9,
		// r = 2/sqrt(84/9) = 6/sqrt(84).
		cfg := DefaultStabilityConfig()
		cfg.MinPupils = 10
		rows, err := Stability(stabilityPanel(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		r := rows[0]
		if r.Measure != MeasureYearToYear || r.First != 2014 || r.Schools != 3 || math.Abs(r.R-6/math.Sqrt(84)) > 1e-14 {
			t.Errorf("%s, want n=3 r=%v", rowString(r), 6/math.Sqrt(84))
		}
	})
	t.Run("lag 2", func(t *testing.T) {
		cfg := DefaultStabilityConfig()
		cfg.Lag = 2
		cfg.MinSchools = 2
		rows, err := Stability(stabilityPanel(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		// Only 5-7 2014 -> 2016 exists; S1, S2 have 5, 5 in 2016: no variance.
		if got := rowString(rows[0]); got != "year_to_year 5-7 2014 -> 5-7 2016 n=2 undefined" {
			t.Errorf("first row %s", got)
		}
		if rows[1].Measure != MeasureSameCohort {
			t.Errorf("second row %s, want the first same-cohort row", rowString(rows[1]))
		}
	})
	t.Run("errors", func(t *testing.T) {
		if _, err := Stability(nil, StabilityConfig{Lag: 0, MinSchools: 3}); err == nil {
			t.Error("Lag 0 accepted")
		}
		p := stabilityPanel()
		p = append(p, p[0])
		if _, err := Stability(p, DefaultStabilityConfig()); err == nil || !strings.Contains(err.Error(), "school S1 level 5-7 window 2014+2015 given twice") {
			t.Errorf("duplicate: %v", err)
		}
	})
}
