package profile

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// The hand-made panel. National values at 5-7: result 50, every index 4.0,
// bullying 6 %, higher education 50 %. At 8-10: result 4.2, indices 3.9,
// bullying 5 %, higher education 45 %.
var (
	indexCodes = []string{IndexMotivation, IndexMastery, IndexSupport, IndexAssessment, IndexWellBeing}
)

func nationals() []National {
	return []National{
		{Level: "5-7", Result: 50, Survey: survey(4.0), Bullying: 6, HigherEducation: 50},
		{Level: "8-10", Result: 4.2, Survey: survey(3.9), Bullying: 5, HigherEducation: 45},
	}
}

func survey(v float64) map[string]float64 {
	m := map[string]float64{}
	for _, c := range indexCodes {
		m[c] = v
	}
	return m
}

// good: above national on result and every index, bullying 1 point below,
// higher education above national (so not P2).
func good(school string) Facts {
	return Facts{School: school, Level: "5-7", Result: 52, Survey: survey(4.2), Bullying: 5, HigherEducation: 60}
}

// bad: below national on everything, bullying above.
func bad(school, level string) Facts {
	return Facts{School: school, Level: level, Result: 3.8, Survey: survey(3.5), Bullying: 9, HigherEducation: 40}
}

// series adds five windows 2014+2015 … 2018+2019 of one school at 5-7, all
// with the same se and n.
func series(school string, se float64, n int, e ...float64) []Effect {
	var out []Effect
	for w, v := range e {
		out = append(out, Effect{School: school, Level: "5-7", Window: WindowLabel(2014 + w), First: 2014 + w, Effect: v, SE: se, N: n})
	}
	return out
}

// stableHigh is high in every window, not increasing: mean 0.18, OLS slope
// (-2·0.20 - 0.15 + 0.10 + 2·0.20)/10 = -0.005.
var stableHigh = []float64{0.20, 0.15, 0.25, 0.10, 0.20}

type panel struct {
	effects []Effect
	facts   []Facts
}

func handPanel() panel {
	var p panel
	add := func(e []Effect, f ...Facts) {
		p.effects = append(p.effects, e...)
		p.facts = append(p.facts, f...)
	}
	// A: stable high, mean 0.30, slope (-0.64-0.28+0.25+0.60)/10 = -0.007;
	// lowest bound 0.25 - 1.96·0.02 > 0, so high under both rules.
	a := series("A", 0.02, 150, 0.32, 0.28, 0.35, 0.25, 0.30)
	a[0].N = 95 // below 100 in the first window only
	add(a, good("A"))
	// B: high by the point rule only (0.04 - 1.96·0.05 < 0).
	add(series("B", 0.05, 150, 0.05, 0.06, 0.04, 0.05, 0.05), good("B"))
	// C: the highest mean (0.48) but 80 pupils: never the representative.
	add(series("C", 0.02, 80, 0.50, 0.45, 0.55, 0.40, 0.50), good("C"))
	// D: strictly increasing by 0.01, slope 0.01/year; its first window is
	// not above 0 under the interval rule.
	add(series("D", 0.02, 150, 0.01, 0.02, 0.03, 0.04, 0.05), good("D"))
	// E: a dip (0.05 -> 0.00), so not monotone; slope
	// (0.20 - 0.05 + 0 + 0.10 + 0.40)/10 = 0.065.
	add(series("E", 0.02, 150, -0.10, 0.05, 0.00, 0.10, 0.20), good("E"))
	// F: bullying 2.5 points above national (8.5 vs 6).
	f := good("F")
	f.Bullying = 8.5
	add(series("F", 0.02, 150, stableHigh...), f)
	// G: bullying exactly 2 points above national: still within tolerance.
	g := good("G")
	g.Bullying = 8
	add(series("G", 0.02, 150, stableHigh...), g)
	// H: as G's effects, higher education below national: P2.
	h := good("H")
	h.HigherEducation = 49.5
	add(series("H", 0.02, 150, stableHigh...), h)
	// I: stable low, mean -0.28, slope (0.40 + 0.30 - 0.35 - 0.60)/10 = -0.025.
	add(series("I", 0.02, 120, -0.20, -0.30, -0.25, -0.35, -0.30), bad("I", "5-7"))
	// J: lower (mean -0.50) but 90 pupils.
	add(series("J", 0.02, 90, -0.50, -0.45, -0.55, -0.50, -0.50), bad("J", "5-7"))
	// K: missing 2018+2019; its 2013+2014 window is outside the range.
	k := series("K", 0.02, 150, 0.30, 0.30, 0.30, 0.30, 0.30)
	k[4].First, k[4].Window = 2013, "2013+2014"
	add(k, good("K"))
	// L: stable high with no facts at all.
	add(series("L", 0.02, 150, stableHigh...))
	// M: one index (trivsel) below national, the other four above.
	m := good("M")
	m.Survey = survey(4.2)
	m.Survey[IndexWellBeing] = 3.9
	add(series("M", 0.02, 150, stableHigh...), m)

	// An 8-10 school: stable low against the 8-10 national values.
	x := series("X", 0.02, 200, -0.10, -0.20, -0.10, -0.20, -0.10)
	for i := range x {
		x[i].Level = "8-10"
	}
	add(x, bad("X", "8-10"))
	// A 1-4 effect: not a profiled level, ignored.
	add([]Effect{{School: "A", Level: "1-4", First: 2014, Effect: 1, SE: 0.1, N: 50}})
	return p
}

func profileOf(t *testing.T, r Result, level, school string) SchoolProfile {
	t.Helper()
	for _, s := range r.Schools {
		if s.Level == level && s.School == school {
			return s
		}
	}
	t.Fatalf("no profile for school %s level %s", school, level)
	return SchoolProfile{}
}

func TestProfilesRules(t *testing.T) {
	base := DefaultConfig()
	cases := []struct {
		name string
		edit func(*Config)
		want map[string]string // school at 5-7 -> profile label
		prep func(p *panel, nat []National)
	}{
		{"defaults", func(*Config) {}, map[string]string{
			"A": "P1", "B": "P1", "C": "P1", "D": "P1+P3", "E": "none", "F": "none",
			"G": "P1", "H": "P1+P2", "I": "P4", "J": "P4", "L": "none", "M": "none"}, nil},
		{"interval", func(c *Config) { c.SBIRule = SBIInterval }, map[string]string{
			"A": "P1", "B": "none", "C": "P1", "D": "P3", "E": "none", "F": "none",
			"G": "P1", "H": "P1+P2", "I": "P4", "J": "P4", "L": "none", "M": "none"}, nil},
		{"slope", func(c *Config) { c.ProgressionRule = ProgressionSlope }, map[string]string{
			"A": "P1", "B": "P1", "C": "P1", "D": "P1+P3", "E": "P3", "F": "none",
			"G": "P1", "H": "P1+P2", "I": "P4", "J": "P4", "L": "none", "M": "none"}, nil},
		{"slope above 0.02", func(c *Config) { c.ProgressionRule = ProgressionSlope; c.MinSlope = 0.02 }, map[string]string{
			"A": "P1", "B": "P1", "C": "P1", "D": "P1", "E": "P3", "F": "none",
			"G": "P1", "H": "P1+P2", "I": "P4", "J": "P4", "L": "none", "M": "none"}, nil},
		{"monotone steps above 0.01", func(c *Config) { c.MinStep = 0.01 }, map[string]string{
			"D": "P1"}, nil},
		{"tolerance 3", func(c *Config) { c.BullyingTolerance = 3 }, map[string]string{
			"F": "P1", "G": "P1"}, nil},
		{"tolerance 1.9", func(c *Config) { c.BullyingTolerance = 1.9 }, map[string]string{
			"F": "none", "G": "none", "H": "P1+P2"}, nil},
		{"4 of 5 indices", func(c *Config) { c.SurveyRule = SurveyKOfN; c.SurveyK = 4 }, map[string]string{
			"M": "P1", "L": "none", "A": "P1"}, nil},
		// The bullying share as a lower-is-better index too: G (8 %) is not
		// below the national 6 % and loses P1; H (5 %) keeps it.
		{"bullying index listed", func(c *Config) {
			c.Indices = append(c.Indices, SurveyIndex{Code: IndexBullying, LowerIsBetter: true})
		}, map[string]string{"G": "none", "H": "P1+P2", "A": "P1", "I": "P4"}, func(p *panel, nat []National) {
			for i := range p.facts {
				p.facts[i].Survey[IndexBullying] = p.facts[i].Bullying
			}
			for i := range nat {
				nat[i].Survey[IndexBullying] = nat[i].Bullying
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, nat := handPanel(), nationals()
			cfg := base
			cfg.Indices = slices.Clone(base.Indices)
			tc.edit(&cfg)
			if tc.prep != nil {
				tc.prep(&p, nat)
			}
			r, err := Profiles(p.effects, p.facts, nat, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for school, want := range tc.want {
				if got := profileOf(t, r, "5-7", school).Profile.String(); got != want {
					t.Errorf("school %s: profile %s, want %s", school, got, want)
				}
			}
		})
	}
}

func TestProfilesDetails(t *testing.T) {
	p := handPanel()
	r, err := Profiles(p.effects, p.facts, nationals(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	// Order: level 5-7 (A..M, K included) then 8-10 (X).
	var order []string
	for _, s := range r.Schools {
		order = append(order, s.Level+"/"+s.School)
	}
	want := "5-7/A 5-7/B 5-7/C 5-7/D 5-7/E 5-7/F 5-7/G 5-7/H 5-7/I 5-7/J 5-7/K 5-7/L 5-7/M 8-10/X"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("order %s, want %s", got, want)
	}

	k := profileOf(t, r, "5-7", "K")
	if k.Complete || k.Windows != 4 || k.Profile != 0 || k.Latest {
		t.Errorf("school K: %+v, want incomplete with 4 windows, latest missing", k)
	}
	if x := profileOf(t, r, "8-10", "X"); x.Profile != P4 {
		t.Errorf("school X at 8-10: %v, want P4", x.Profile)
	}
	if l := profileOf(t, r, "5-7", "L"); !l.MissingFacts {
		t.Error("school L has no facts but MissingFacts is false")
	}
	if a := profileOf(t, r, "5-7", "A"); a.MissingFacts {
		t.Error("school A has every fact but MissingFacts is true")
	}

	// Mean and slope worked out by hand in handPanel's comments.
	near := []struct {
		school      string
		mean, slope float64
	}{{"A", 0.30, -0.007}, {"D", 0.03, 0.01}, {"E", 0.05, 0.065}, {"G", 0.18, -0.005}, {"I", -0.28, -0.025}}
	for _, n := range near {
		s := profileOf(t, r, "5-7", n.school)
		if math.Abs(s.MeanEffect-n.mean) > 1e-12 || math.Abs(s.Slope-n.slope) > 1e-12 {
			t.Errorf("school %s: mean %v slope %v, want %v and %v", n.school, s.MeanEffect, s.Slope, n.mean, n.slope)
		}
	}

	wantCounts := map[string][]int{
		// schools complete incomplete missing_facts P1 P2 P3 P4 none
		"5-7":  {13, 12, 1, 1, 6, 1, 1, 2, 4},
		"8-10": {1, 1, 0, 0, 0, 0, 0, 1, 0},
	}
	cats := []string{CountSchools, CountComplete, CountIncomplete, CountMissingFacts, "P1", "P2", "P3", "P4", CountNone}
	if len(r.Counts) != 2*len(cats) {
		t.Fatalf("%d count rows, want %d", len(r.Counts), 2*len(cats))
	}
	for i, c := range r.Counts {
		level := []string{"5-7", "8-10"}[i/len(cats)]
		if c.Level != level || c.Category != cats[i%len(cats)] || c.Schools != wantCounts[level][i%len(cats)] {
			t.Errorf("count %d: %+v, want level %s %s = %d", i, c, level, cats[i%len(cats)], wantCounts[level][i%len(cats)])
		}
	}
}

func TestRepresentatives(t *testing.T) {
	type rep struct {
		school               string
		candidates, eligible int
	}
	cases := []struct {
		name string
		edit func(*Config)
		want map[Profile]rep // at 5-7
	}{
		// P1: C has the highest mean (0.48) but 80 pupils; A (0.30) is next.
		// P4: J is lowest (-0.50) but has 90 pupils; I is next.
		{"defaults", func(*Config) {}, map[Profile]rep{
			P1: {"A", 6, 5}, P2: {"H", 1, 1}, P3: {"D", 1, 1}, P4: {"I", 2, 1}}},
		// Under "every", A (95 pupils in 2014+2015) is out too; G and H tie
		// on 0.18 and the smaller code wins.
		{"every window", func(c *Config) { c.SizeRule = SizeEvery }, map[Profile]rep{
			P1: {"G", 6, 4}, P2: {"H", 1, 1}, P3: {"D", 1, 1}, P4: {"I", 2, 1}}},
		// Slope: E (0.065) beats D (0.01).
		{"slope", func(c *Config) { c.ProgressionRule = ProgressionSlope }, map[Profile]rep{
			P3: {"E", 2, 2}}},
		// Size 0: C and J are picked.
		{"no size rule", func(c *Config) { c.MinPupils = 0 }, map[Profile]rep{
			P1: {"C", 6, 6}, P4: {"J", 2, 2}}},
		// Size 1000: nobody.
		{"size 1000", func(c *Config) { c.MinPupils = 1000 }, map[Profile]rep{
			P1: {"", 6, 0}, P4: {"", 2, 0}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := handPanel()
			cfg := DefaultConfig()
			tc.edit(&cfg)
			r, err := Profiles(p.effects, p.facts, nationals(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Representatives) != 8 {
				t.Fatalf("%d representatives, want 8", len(r.Representatives))
			}
			for _, got := range r.Representatives[:4] {
				if got.Level != "5-7" {
					t.Fatalf("representative %+v: want level 5-7 first", got)
				}
				want, ok := tc.want[got.Profile]
				if !ok {
					continue
				}
				if got.School != want.school || got.Candidates != want.candidates || got.Eligible != want.eligible {
					t.Errorf("%v: school %q (%d candidates, %d eligible), want %q (%d, %d)",
						got.Profile, got.School, got.Candidates, got.Eligible, want.school, want.candidates, want.eligible)
				}
			}
			wantX := "X" // 200 pupils
			if cfg.MinPupils > 200 {
				wantX = ""
			}
			if x := r.Representatives[7]; x.Level != "8-10" || x.Profile != P4 || x.School != wantX {
				t.Errorf("8-10 P4 representative %+v, want school %q", x, wantX)
			}
		})
	}
}

func TestProfilesErrors(t *testing.T) {
	ok, national := handPanel(), nationals()
	cases := []struct {
		name    string
		effects []Effect
		facts   []Facts
		nat     []National
		edit    func(*Config)
		want    string
	}{
		{"duplicate effect", append(slices.Clone(ok.effects), ok.effects[0]), ok.facts, national, nil, "school A level 5-7 window 2014+2015 given twice"},
		{"label mismatch", []Effect{{School: "A", Level: "5-7", Window: "2014+2016", First: 2014}}, nil, national, nil, `window label "2014+2016" does not match first year 2014`},
		{"NaN effect", []Effect{{School: "A", Level: "5-7", First: 2014, Effect: math.NaN()}}, nil, national, nil, "effect NaN is not finite"},
		{"negative se", []Effect{{School: "A", Level: "5-7", First: 2014, SE: -1}}, nil, national, nil, "se -1 is not a finite non-negative number"},
		{"duplicate facts", ok.effects, append(slices.Clone(ok.facts), ok.facts[0]), national, nil, "facts: school A level 5-7 given twice"},
		{"duplicate national", ok.effects, ok.facts, append(slices.Clone(national), national[0]), nil, "national values: level 5-7 given twice"},
		{"national infinite", ok.effects, ok.facts, []National{national[0], {Level: "8-10", Result: math.Inf(1)}}, nil, "level 8-10: result +Inf is infinite"},
		{"national index infinite", ok.effects, ok.facts, []National{national[0], {Level: "8-10", Survey: map[string]float64{IndexMastery: math.Inf(-1)}}}, nil, "level 8-10: index EUIndeks_1384 -Inf is infinite"},
		{"k out of range", ok.effects, ok.facts, national, func(c *Config) { c.SurveyRule = SurveyKOfN; c.SurveyK = 6 }, "SurveyK 6 is outside 1..5"},
		{"unknown rules", ok.effects, ok.facts, national, func(c *Config) { c.SBIRule = "ci"; c.ProgressionRule = "slope>0" },
			`SBIRule "ci" is not point or interval; ProgressionRule "slope>0" is not monotone or slope`},
		{"one window", ok.effects, ok.facts, national, func(c *Config) { c.Windows = 1 }, "Windows 1 is below 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.edit != nil {
				tc.edit(&cfg)
			}
			_, err := Profiles(tc.effects, tc.facts, tc.nat, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestProfilesMissingNational: a missing national value is a missing fact
// of every school of its level, whose context comparisons then fail.
func TestProfilesMissingNational(t *testing.T) {
	p := handPanel()
	nat := nationals()
	// 5-7: every value but the index of mastery; 8-10: no national at all.
	delete(nat[0].Survey, IndexMastery)
	r, err := Profiles(p.effects, p.facts, nat[:1], DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Schools {
		if !s.Complete {
			continue
		}
		// A, a P1 school with the full national values, loses P1; I and X,
		// P4, lose P4: the survey rule cannot be met.
		if !s.MissingFacts || s.Profile != 0 {
			t.Errorf("school %s level %s: profile %v, missing facts %v; want none and true", s.School, s.Level, s.Profile, s.MissingFacts)
		}
	}
	// With the survey rule at 4 of 5, 5-7 classifies on the rest (A stays P1,
	// still flagged), 8-10 still on nothing.
	cfg := DefaultConfig()
	cfg.SurveyRule, cfg.SurveyK = SurveyKOfN, 4
	if r, err = Profiles(p.effects, p.facts, nat[:1], cfg); err != nil {
		t.Fatal(err)
	}
	if a := profileOf(t, r, "5-7", "A"); a.Profile != P1 || !a.MissingFacts {
		t.Errorf("school A at 4 of 5 indices: %v, missing facts %v; want P1 and true", a.Profile, a.MissingFacts)
	}
	if x := profileOf(t, r, "8-10", "X"); x.Profile != 0 || !x.MissingFacts {
		t.Errorf("school X without national values: %v, missing facts %v; want none and true", x.Profile, x.MissingFacts)
	}
}

func TestProfileString(t *testing.T) {
	for p, want := range map[Profile]string{0: "none", P1: "P1", P1 | P2: "P1+P2", P1 | P2 | P3: "P1+P2+P3", P3: "P3", P4: "P4"} {
		if got := p.String(); got != want {
			t.Errorf("%08b: %q, want %q", uint8(p), got, want)
		}
	}
}
