package gsp_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/transforms/gsp"
)

var (
	schoolA = school{"900000001", "0301", "03", true}
	schoolB = school{"900000002", "0301", "03", false}
	schoolC = school{"900000003", "1103", "11", true}
	schoolD = school{"900000004", "1103", "11", true}
)

func ptr[T any](v T) *T { return &v }

// twoTypes gives a pupil standpunkt and oral_exam grades in subjects S01,
// S02, ...: grades[2k] standpunkt and grades[2k+1] oral exam of subject k+1.
func twoTypes(id string, s school, grades ...string) []inRow {
	var rows []inRow
	for i, g := range grades {
		typ := "standpunkt"
		if i%2 == 1 {
			typ = "oral_exam"
		}
		rows = append(rows, inRow{id, 2023, s.orgnr, fmt.Sprintf("S%02d", i/2+1), typ, g, "G", s.public, s.muni, s.county})
	}
	return rows
}

func repeat(n int, g string) []string { return strings.Split(strings.Repeat(g+",", n-1)+g, ",") }

func TestPupilPoints(t *testing.T) {
	tests := []struct {
		name                           string
		rows                           []inRow
		subjects, subjectsNum, gradesN int32
		sum                            int32
		gsp                            *float64
		reason                         *string
	}{
		{
			// 4 + 5 + 3 + 4 standpunkt, 5 written exam: 21 / 5 = 4.20 -> 42.0.
			name: "standpunkt and exam alike",
			rows: append(standpunkt("p", "G", schoolA, "4", "5", "3", "4"),
				inRow{"p", 2023, schoolA.orgnr, "S01", "written_exam", "5", "G", true, "0301", "03"}),
			subjects: 4, subjectsNum: 4, gradesN: 5, sum: 21, gsp: ptr(42.0),
		},
		{
			// Six subjects, numeric in three (4, 5, 3); IV, F, D are not
			// numbers. 3 of 6 is exactly half: not more than half, excluded.
			name:     "IV F D; exactly half the subjects is excluded",
			rows:     standpunkt("p", "G", schoolA, "4", "IV", "F", "5", "D", "3"),
			subjects: 6, subjectsNum: 3, gradesN: 3, sum: 12,
			reason: ptr("numeric grades in 3 of 6 subjects (not more than half)"),
		},
		{
			// Six subjects, numeric in four: 4 > 3, included.
			// (4 + 5 + 6 + 3) / 4 = 18 / 4 = 4.50 -> 45.0.
			name:     "half + 1 of the subjects is included",
			rows:     standpunkt("p", "G", schoolA, "4", "IV", "F", "5", "6", "3"),
			subjects: 6, subjectsNum: 4, gradesN: 4, sum: 18, gsp: ptr(45.0),
		},
		{
			// Five subjects, numeric in three (2, 3, 4): 3 > 2.5, included.
			// 9 / 3 = 3.00 -> 30.0.
			name:     "odd number of subjects",
			rows:     standpunkt("p", "G", schoolA, "2", "IV", "3", "D", "4"),
			subjects: 5, subjectsNum: 3, gradesN: 3, sum: 9, gsp: ptr(30.0),
		},
		{
			// S01 standpunkt IV but written exam 5: S01 has a numeric grade.
			// Subjects S01, S02 (IV), S03 (4): numeric in 2 of 3, included.
			// (5 + 4) / 2 = 4.50 -> 45.0. Counting S01 as non-numeric
			// would give 1 of 3 and exclude the pupil.
			name: "a subject is numeric when any of its grades is",
			rows: append(standpunkt("p", "G", schoolA, "IV", "IV", "4"),
				inRow{"p", 2023, schoolA.orgnr, "S01", "written_exam", "5", "G", true, "0301", "03"}),
			subjects: 3, subjectsNum: 2, gradesN: 2, sum: 9, gsp: ptr(45.0),
		},
		{
			// 5+5+4+4+4+4+4+3 = 33 over 8 grades: 4.125 exactly, which rounds
			// half away from zero to 4.13 -> 41.3. (fmt's "%.2f" gives
			// "4.12": it rounds an exact half to even.)
			name:     "x.xx5 rounds up",
			rows:     standpunkt("p", "G", schoolA, "5", "5", "4", "4", "4", "4", "4", "3"),
			subjects: 8, subjectsNum: 8, gradesN: 8, sum: 33, gsp: ptr(41.3),
		},
		{
			// 31 fours and 9 fives over 20 subjects x (standpunkt, oral
			// exam): 124 + 45 = 169 over 40 grades = 4.225 exactly -> 4.23
			// -> 42.3. In floating point 169.0/40 is 4.22499999999999964...,
			// so math.Round(mean*100) gives 422 and 42.2: wrong.
			name:     "x.xx5 where the float mean lies just below",
			rows:     twoTypes("p", schoolA, append(repeat(31, "4"), repeat(9, "5")...)...),
			subjects: 20, subjectsNum: 20, gradesN: 40, sum: 169, gsp: ptr(42.3),
		},
		{
			// 13 fours and 3 fives: 52 + 15 = 67 over 16 grades = 4.1875 ->
			// 4.19 -> 41.9. math.Round(4.1875*100)/100*10 is
			// 41.900000000000006, not the float64 nearest 41.9.
			name:     "times ten without float error",
			rows:     twoTypes("p", schoolA, append(repeat(13, "4"), repeat(3, "5")...)...),
			subjects: 8, subjectsNum: 8, gradesN: 16, sum: 67, gsp: ptr(41.9),
		},
		{
			// 5 + 8 * 4 = 37 over 9: 4.111... -> 4.11 -> 41.1.
			name:     "rounds down",
			rows:     standpunkt("p", "G", schoolA, "5", "4", "4", "4", "4", "4", "4", "4", "4"),
			subjects: 9, subjectsNum: 9, gradesN: 9, sum: 37, gsp: ptr(41.1),
		},
		{
			// 4 + 4 + 5 = 13 over 3 = 4.3333 -> 4.33 -> 43.3.
			name:     "thirds",
			rows:     standpunkt("p", "G", schoolA, "4", "4", "5"),
			subjects: 3, subjectsNum: 3, gradesN: 3, sum: 13, gsp: ptr(43.3),
		},
		{
			name:     "all ones: 10.0",
			rows:     standpunkt("p", "G", schoolA, "1", "1", "1"),
			subjects: 3, subjectsNum: 3, gradesN: 3, sum: 3, gsp: ptr(10.0),
		},
		{
			name:     "all sixes: 60.0",
			rows:     standpunkt("p", "G", schoolA, "6", "6", "6"),
			subjects: 3, subjectsNum: 3, gradesN: 3, sum: 18, gsp: ptr(60.0),
		},
		{
			name:     "no numeric grade",
			rows:     standpunkt("p", "G", schoolA, "IV", "F", "D"),
			subjects: 3, subjectsNum: 0, gradesN: 0, sum: 0,
			reason: ptr("numeric grades in 0 of 3 subjects (not more than half)"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustCompute(t, gsp.Config{}, tt.rows)
			ps := readPupils(t, res.Pupils)
			if len(ps) != 1 {
				t.Fatalf("got %d pupils, want 1", len(ps))
			}
			p := ps[0]
			if p.id != "p" || p.year != 2023 || p.orgnr != schoolA.orgnr || p.gender != "G" || !p.public || p.muni != "0301" || p.county != "03" {
				t.Errorf("identity: got %+v", p)
			}
			if p.subjects != tt.subjects || p.subjectsNum != tt.subjectsNum || p.gradesNum != tt.gradesN || p.sum != tt.sum {
				t.Errorf("counts: got subjects %d numeric %d grades %d sum %d, want %d %d %d %d",
					p.subjects, p.subjectsNum, p.gradesNum, p.sum, tt.subjects, tt.subjectsNum, tt.gradesN, tt.sum)
			}
			switch {
			case (p.gsp == nil) != (tt.gsp == nil):
				t.Errorf("gsp: got %v, want %v", deref(p.gsp), deref(tt.gsp))
			case p.gsp != nil && *p.gsp != *tt.gsp:
				t.Errorf("gsp: got %v, want exactly %v", *p.gsp, *tt.gsp)
			}
			if deref(p.reason) != deref(tt.reason) || (p.reason == nil) != (tt.reason == nil) {
				t.Errorf("excluded_reason: got %v, want %v", deref(p.reason), deref(tt.reason))
			}
		})
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestPupilSchool(t *testing.T) {
	x := school{"900000009", "0302", "03", false}
	e := school{"900000005", "0303", "03", true}
	var rows []inRow
	// p1: three rows at x, two at A: x has most rows.
	rows = append(rows, standpunkt("p1", "J", x, "4", "4", "4")...)
	rows = append(rows, standpunkt("p1", "J", schoolA, "5", "5", "5", "5", "5")[3:]...)
	// p2: two rows at e (900000005), two at D (900000004): a tie, the
	// smaller orgnr, D, wins.
	p2 := standpunkt("p2", "G", e, "3", "3", "3", "3")
	for i := 2; i < 4; i++ {
		p2[i].orgnr, p2[i].public, p2[i].muni, p2[i].county = schoolD.orgnr, schoolD.public, schoolD.muni, schoolD.county
	}
	rows = append(rows, p2...)
	res := mustCompute(t, gsp.Config{}, rows)
	ps := readPupils(t, res.Pupils)
	if len(ps) != 2 {
		t.Fatalf("got %d pupils", len(ps))
	}
	want := []struct {
		orgnr, muni, county string
		public              bool
	}{{x.orgnr, x.muni, x.county, x.public}, {schoolD.orgnr, schoolD.muni, schoolD.county, schoolD.public}}
	for i, w := range want {
		p := ps[i]
		if p.orgnr != w.orgnr || p.muni != w.muni || p.county != w.county || p.public != w.public {
			t.Errorf("pupil %s: got school %s %s %s %t, want %+v", p.id, p.orgnr, p.muni, p.county, p.public, w)
		}
	}
	// p1: 4+4+4+5+5 = 22 over 5 = 4.40 -> 44.0, over both schools.
	if ps[0].gsp == nil || *ps[0].gsp != 44.0 {
		t.Errorf("p1 gsp %v, want 44", deref(ps[0].gsp))
	}
}

type wantAgg struct {
	unit, code, sub string
	n               int64
	mean            float64
	sd              float64 // NaN: null
}

func checkAggregates(t *testing.T, got []aggRow, want []wantAgg) {
	t.Helper()
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("got %s n=%v", g.key(), deref(g.n))
		}
		t.Fatalf("got %d aggregate rows, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		subType := map[string]string{"all": "all", "G": "gender", "J": "gender", "public": "owner", "private": "owner"}[w.sub]
		if g.year != 2023 || g.unit != w.unit || g.code != w.code || g.sub != w.sub || g.subType != subType {
			t.Errorf("row %d: got %s (%s), want %s %s %s", i, g.key(), g.subType, w.unit, w.code, w.sub)
			continue
		}
		if g.status != "ok" || g.suppression != nil || g.n == nil || g.mean == nil {
			t.Errorf("%s: got status %s suppression %v n %v", g.key(), g.status, deref(g.suppression), deref(g.n))
			continue
		}
		if *g.n != w.n || math.Abs(*g.mean-w.mean) > 1e-12 {
			t.Errorf("%s: got n %d mean %v, want %d %v", g.key(), *g.n, *g.mean, w.n, w.mean)
		}
		switch {
		case math.IsNaN(w.sd) && g.sd != nil:
			t.Errorf("%s: sd %v, want null", g.key(), *g.sd)
		case !math.IsNaN(w.sd) && (g.sd == nil || math.Abs(*g.sd-w.sd) > 1e-12):
			t.Errorf("%s: sd %v, want %v", g.key(), deref(g.sd), w.sd)
		}
	}
}

func TestAggregatesHandWorked(t *testing.T) {
	var rows []inRow
	rows = append(rows, uniform("a1", "G", schoolA, 4)...)                                                   // 40
	rows = append(rows, standpunkt("a2", "G", schoolA, "4", "5")...)                                         // 9/2 = 4.5: 45
	rows = append(rows, uniform("a3", "J", schoolA, 5)...)                                                   // 50
	rows = append(rows, uniform("b1", "J", schoolB, 6)...)                                                   // 60
	rows = append(rows, uniform("b2", "J", schoolB, 3)...)                                                   // 30
	rows = append(rows, standpunkt("c1", "G", schoolC, "3", "3", "3", "3", "3", "3", "3", "4", "4", "4")...) // 33/10: 33
	rows = append(rows, standpunkt("c2", "J", schoolC, "IV", "IV", "4")...)                                  // excluded: 1 of 3
	rows = append(rows, standpunkt("d1", "G", schoolD, "F", "D")...)                                         // excluded: 0 of 2; D has no cells
	res := mustCompute(t, gsp.Config{MinPupils: 1}, rows)
	nan := math.NaN()
	// Sample SDs by hand, deviations from the mean squared, over n - 1:
	//   {40, 45, 50}: mean 45, (25 + 0 + 25) / 2 = 25, sd 5.
	//   {40, 45}: mean 42.5, (6.25 + 6.25) / 1 = 12.5.
	//   {60, 30}: mean 45, (225 + 225) / 1 = 450.
	//   {40, 45, 50, 60, 30}: mean 225/5 = 45, (25+0+25+225+225)/4 = 125.
	//   {50, 60, 30}: mean 140/3, ((10/3)^2 + (40/3)^2 + (50/3)^2) / 2
	//     = (4200/9) / 2 = 700/3.
	//   nation {40, 45, 50, 60, 30, 33}: mean 258/6 = 43, deviations
	//     -3, 2, 7, 17, -13, -10: (9+4+49+289+169+100)/5 = 620/5 = 124.
	//   nation G {40, 45, 33}: mean 118/3, deviations 2/3, 17/3, -19/3:
	//     (4+289+361)/9/2 = 654/18 = 109/3.
	//   nation public {40, 45, 50, 33}: mean 168/4 = 42, deviations
	//     -2, 3, 8, -9: (4+9+64+81)/3 = 158/3.
	m0301 := []wantAgg{
		{"", "", "all", 5, 45, math.Sqrt(125)},
		{"", "", "G", 2, 42.5, math.Sqrt(12.5)},
		{"", "", "J", 3, 140.0 / 3, math.Sqrt(700.0 / 3)},
		{"", "", "public", 3, 45, 5},
		{"", "", "private", 2, 45, math.Sqrt(450)},
	}
	m1103 := []wantAgg{
		{"", "", "all", 1, 33, nan},
		{"", "", "G", 1, 33, nan},
		{"", "", "public", 1, 33, nan},
	}
	with := func(unit, code string, ws []wantAgg) []wantAgg {
		out := make([]wantAgg, len(ws))
		for i, w := range ws {
			w.unit, w.code = unit, code
			out[i] = w
		}
		return out
	}
	want := []wantAgg{
		{"school", "900000001", "all", 3, 45, 5},
		{"school", "900000001", "G", 2, 42.5, math.Sqrt(12.5)},
		{"school", "900000001", "J", 1, 50, nan},
		{"school", "900000002", "all", 2, 45, math.Sqrt(450)},
		{"school", "900000002", "J", 2, 45, math.Sqrt(450)},
		{"school", "900000003", "all", 1, 33, nan},
		{"school", "900000003", "G", 1, 33, nan},
	}
	want = append(want, with("municipality", "0301", m0301)...)
	want = append(want, with("municipality", "1103", m1103)...)
	want = append(want, with("county", "03", m0301)...)
	want = append(want, with("county", "11", m1103)...)
	want = append(want,
		wantAgg{"nation", "0", "all", 6, 43, math.Sqrt(124)},
		wantAgg{"nation", "0", "G", 3, 118.0 / 3, math.Sqrt(109.0 / 3)},
		wantAgg{"nation", "0", "J", 3, 140.0 / 3, math.Sqrt(700.0 / 3)},
		wantAgg{"nation", "0", "public", 4, 42, math.Sqrt(158.0 / 3)},
		wantAgg{"nation", "0", "private", 2, 45, math.Sqrt(450)},
	)
	checkAggregates(t, readAggregates(t, res.Aggregates), want)

	ps := readPupils(t, res.Pupils)
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.id)
	}
	if got := strings.Join(ids, " "); got != "a1 a2 a3 b1 b2 c1 c2 d1" {
		t.Errorf("pupil rows %q, want every pupil, included or not, by id", got)
	}
}

// status is the expected publication of one aggregate row.
type status struct {
	key  string // "unit code subgroup"
	n    int64  // 0: suppressed
	mean float64
	note string // suppression note, "" when published
}

func checkStatus(t *testing.T, got []aggRow, want []status) {
	t.Helper()
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("got %s %s %v", g.key(), g.status, deref(g.suppression))
		}
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if k := fmt.Sprintf("%s %s %s", g.unit, g.code, g.sub); k != w.key {
			t.Errorf("row %d: got %s, want %s", i, k, w.key)
			continue
		}
		if w.note == "" {
			if g.status != "ok" || g.suppression != nil || g.n == nil || *g.n != w.n || g.mean == nil || math.Abs(*g.mean-w.mean) > 1e-12 {
				t.Errorf("%s: got %s %v n %v mean %v, want ok n %d mean %v", w.key, g.status, deref(g.suppression), deref(g.n), deref(g.mean), w.n, w.mean)
			}
			continue
		}
		if g.status != "suppressed" || deref(g.suppression) != w.note || g.n != nil || g.mean != nil || g.sd != nil {
			t.Errorf("%s: got %s %v n %v mean %v sd %v, want suppressed %q with n, mean, sd null",
				w.key, g.status, deref(g.suppression), deref(g.n), deref(g.mean), deref(g.sd), w.note)
		}
	}
}

func TestSuppressionThreshold(t *testing.T) {
	// One school, boys only. Every cell (school all and G; municipality,
	// county and nation all, G and public) holds the same pupils.
	keys := []string{
		"school 900000001 all", "school 900000001 G",
		"municipality 0301 all", "municipality 0301 G", "municipality 0301 public",
		"county 03 all", "county 03 G", "county 03 public",
		"nation 0 all", "nation 0 G", "nation 0 public",
	}
	pupils := func(n int) []inRow {
		var rows []inRow
		for i := range n {
			g := 4 // pupils 0, 2, 4, ... get 40; 1, 3, 5, ... get 50
			if i%2 == 1 {
				g = 5
			}
			rows = append(rows, uniform(fmt.Sprintf("p%02d", i), "G", schoolA, g)...)
		}
		return rows
	}

	// n = 10: five at 40, five at 50, mean 45: published.
	var want []status
	for _, k := range keys {
		want = append(want, status{key: k, n: 10, mean: 45})
	}
	res := mustCompute(t, gsp.Config{}, pupils(10))
	got := readAggregates(t, res.Aggregates)
	checkStatus(t, got, want)
	// The sd is there too: deviations of 5, (10 * 25) / 9.
	if g := got[0]; g.sd == nil || math.Abs(*g.sd-math.Sqrt(250.0/9)) > 1e-12 {
		t.Errorf("sd %v, want sqrt(250/9)", deref(g.sd))
	}

	// n = 9: every cell rests on 9 pupils: all primary.
	want = want[:0]
	for _, k := range keys {
		want = append(want, status{key: k, note: "primary: n < 10"})
	}
	res = mustCompute(t, gsp.Config{}, pupils(9))
	checkStatus(t, readAggregates(t, res.Aggregates), want)
}

func TestSuppressionGenderSplit(t *testing.T) {
	// A school of 30: 25 boys at 40, 5 girls at 50. J is primary in every
	// unit (5 < 10); each unit's all = G + J, so G goes too, and the total
	// 30 stays. Mean of the 30: (25*40 + 5*50) / 30 = 1250/30.
	//
	// Which cell each G protects follows the processing order (partitions
	// by parent label: county, municipality, nation, school):
	//   county 03 = G + J: J alone, so county G goes (protects county J).
	//   county 03 G = municipality 0301 G (its only child): the parent is
	//     the single hole, so municipality G goes (protects county G).
	//   municipality 0301 = G + J: two holes already.
	//   municipality 0301 G = school G: school G goes (protects
	//     municipality G).
	//   nation 0 = G + J: J alone: nation G goes (protects nation J).
	//   school = G + J: two holes already.
	var rows []inRow
	for i := range 25 {
		rows = append(rows, uniform(fmt.Sprintf("g%02d", i), "G", schoolA, 4)...)
	}
	for i := range 5 {
		rows = append(rows, uniform(fmt.Sprintf("j%02d", i), "J", schoolA, 5)...)
	}
	res := mustCompute(t, gsp.Config{}, rows)
	mean := 1250.0 / 30
	var want []status
	protects := map[string]string{
		"school 900000001":  "municipality 0301 gender G",
		"municipality 0301": "county 03 gender G",
		"county 03":         "county 03 gender J",
		"nation 0":          "nation 0 gender J",
	}
	for _, u := range []string{"school 900000001", "municipality 0301", "county 03", "nation 0"} {
		want = append(want,
			status{key: u + " all", n: 30, mean: mean},
			status{key: u + " G", note: "secondary: protects " + protects[u]},
			status{key: u + " J", note: "primary: n < 10"},
		)
		if u != "school 900000001" {
			want = append(want, status{key: u + " public", n: 30, mean: mean})
		}
	}
	checkStatus(t, readAggregates(t, res.Aggregates), want)
}

func TestSuppressionSchools(t *testing.T) {
	// Municipality 0301 with public schools P (50 boys at 40), Q (40 boys
	// at 50) and R (5 boys at 60). R is primary. The municipality's schools
	// partition (95 = 50 + 40 + 5) then has one hole: the smallest
	// published school, Q, goes. The boys' partition (95 = 50 + 40 + 5 by
	// school) likewise: Q's G. Q's own split (40 = 40 G) then has both
	// suppressed, and the owner partition (public = P + Q + R) has two
	// holes: nothing more. Municipality mean (2000 + 2000 + 300) / 95.
	p := school{"900000001", "0301", "03", true}
	q := school{"900000002", "0301", "03", true}
	r := school{"900000003", "0301", "03", true}
	var rows []inRow
	for i := range 50 {
		rows = append(rows, uniform(fmt.Sprintf("p%02d", i), "G", p, 4)...)
	}
	for i := range 40 {
		rows = append(rows, uniform(fmt.Sprintf("q%02d", i), "G", q, 5)...)
	}
	for i := range 5 {
		rows = append(rows, uniform(fmt.Sprintf("r%02d", i), "G", r, 6)...)
	}
	res := mustCompute(t, gsp.Config{}, rows)
	m := 4300.0 / 95
	want := []status{
		{key: "school 900000001 all", n: 50, mean: 40},
		{key: "school 900000001 G", n: 50, mean: 40},
		{key: "school 900000002 all", note: "secondary: protects school 900000003"},
		{key: "school 900000002 G", note: "secondary: protects school 900000003 gender G"},
		{key: "school 900000003 all", note: "primary: n < 10"},
		{key: "school 900000003 G", note: "primary: n < 10"},
	}
	for _, u := range []string{"municipality 0301", "county 03", "nation 0"} {
		want = append(want, status{key: u + " all", n: 95, mean: m}, status{key: u + " G", n: 95, mean: m}, status{key: u + " public", n: 95, mean: m})
	}
	checkStatus(t, readAggregates(t, res.Aggregates), want)
}

func TestEmptyInput(t *testing.T) {
	res, err := compute(t, gsp.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	if len(res.Pupils) != 1 || res.Pupils[0].NumRows() != 0 || len(res.Aggregates) != 1 || res.Aggregates[0].NumRows() != 0 {
		t.Fatalf("want one empty batch each, got %d and %d batches", len(res.Pupils), len(res.Aggregates))
	}
}

func TestNoLeaks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rows := synthetic(5, 2023, 300)
	res, err := compute(t, gsp.Config{Allocator: mem, BatchRows: 100}, batches(mem, rows, 1000, 2000))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pupils) != 3 {
		t.Errorf("300 pupils in batches of 100: got %d batches", len(res.Pupils))
	}
	res.Release()
	res.Release()
	// A failing run releases what it built as well.
	bad := synthetic(5, 2023, 10)
	bad[len(bad)-1].grade = "7"
	if _, err := compute(t, gsp.Config{Allocator: mem}, batches(mem, bad, 50)); err == nil {
		t.Fatal("want an error")
	}
}

func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	bs := batches(memory.DefaultAllocator, synthetic(1, 2023, 20))
	rdr, err := array.NewRecordReader(gsp.InputSchema, bs)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	for _, b := range bs {
		b.Release()
	}
	if _, err := gsp.Compute(ctx, rdr, gsp.Config{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestRejectsBadInput(t *testing.T) {
	const secret = "pupil-secret-17"
	base := func() []inRow {
		rows := standpunkt(secret, "G", schoolA, "4", "5", "6")
		return append(rows, standpunkt("other", "J", schoolB, "3", "4")...)
	}
	tests := []struct {
		name   string
		mutate func([]inRow) []inRow
		msg    string
	}{
		{"grade out of range", func(r []inRow) []inRow { r[1].grade = "7"; return r }, `batch 1, row 2: grade "7" is not 1-6, IV, F or D`},
		{"unknown grade type", func(r []inRow) []inRow { r[4].gradeType = "exam"; return r }, `batch 1, row 5: grade_type "exam"`},
		{"unknown gender", func(r []inRow) []inRow { r[0].gender = "X"; return r }, `batch 1, row 1: gender "X" is not G or J`},
		{"two genders", func(r []inRow) []inRow { r[2].gender = "J"; return r }, "batch 1, row 3: the pupil has gender J here and G at batch 1, row 1"},
		{"school in two municipalities", func(r []inRow) []inRow { r[2].muni = "0302"; return r }, "batch 1, row 3: school 900000001 has (public true, municipality 0302, county 03) here and (public true, municipality 0301, county 03) at batch 1, row 1"},
		{"school with two owners", func(r []inRow) []inRow { r[1].public = false; return r }, "school 900000001 has (public false"},
		{"municipality in two counties", func(r []inRow) []inRow { r[3].county = "11"; r[4].county = "11"; return r }, "batch 1, row 4: municipality 0301 is in county 11 here and in county 03 at batch 1, row 1"},
		{"repeated grade", func(r []inRow) []inRow { r[2].subject = "S01"; return r }, "batch 1, row 1 and batch 1, row 3: the pupil has two standpunkt grades in subject S01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compute(t, gsp.Config{}, batches(memory.DefaultAllocator, tt.mutate(base())))
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("got %v, want an error containing %q", err, tt.msg)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error names a pupil: %v", err)
			}
		})
	}

	t.Run("null", func(t *testing.T) {
		b := array.NewRecordBuilder(memory.DefaultAllocator, gsp.InputSchema)
		defer b.Release()
		for i, f := range gsp.InputSchema.Fields() {
			switch fb := b.Field(i).(type) {
			case *array.StringBuilder:
				fb.AppendValues([]string{"x", "x"}, nil)
				if f.Name == "municipality_code" {
					fb.AppendNull()
				} else {
					fb.Append("x")
				}
			case *array.Int32Builder:
				fb.AppendValues([]int32{2023, 2023, 2023}, nil)
			case *array.BooleanBuilder:
				fb.AppendValues([]bool{true, true, true}, nil)
			}
		}
		_, err := compute(t, gsp.Config{}, []arrow.RecordBatch{b.NewRecordBatch()})
		if err == nil || !strings.Contains(err.Error(), "batch 1: row 3: column municipality_code is null") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("schema", func(t *testing.T) {
		for _, tc := range []struct {
			fields []arrow.Field
			msg    string
		}{
			{gsp.InputSchema.Fields()[:9], "batch 1: column county_code missing"},
			{append(append([]arrow.Field{}, gsp.InputSchema.Fields()[:1]...), append([]arrow.Field{{Name: "school_year", Type: arrow.PrimitiveTypes.Int64}}, gsp.InputSchema.Fields()[2:]...)...), "column school_year has type int64, want int32"},
		} {
			sc := arrow.NewSchema(tc.fields, nil)
			b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
			rec := b.NewRecordBatch()
			b.Release()
			rdr, err := array.NewRecordReader(sc, []arrow.RecordBatch{rec})
			if err != nil {
				t.Fatal(err)
			}
			rec.Release()
			_, err = gsp.Compute(context.Background(), rdr, gsp.Config{})
			rdr.Release()
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %q", err, tc.msg)
			}
		}
	})

	t.Run("config", func(t *testing.T) {
		_, err := compute(t, gsp.Config{MinPupils: -1}, batches(memory.DefaultAllocator, base()))
		if err == nil || !strings.Contains(err.Error(), "MinPupils -1 is negative") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestExtraColumnsAndOrderIgnored(t *testing.T) {
	// The same rows with the columns reversed and an extra column give the
	// same output as the canonical schema.
	rows := synthetic(3, 2023, 200)
	want := mustCompute(t, gsp.Config{}, rows)

	in := makeBatch(memory.DefaultAllocator, rows)
	defer in.Release()
	n := len(in.Columns())
	fields := []arrow.Field{{Name: "extra", Type: arrow.PrimitiveTypes.Int32}}
	cols := []arrow.Array{array.MakeArrayOfNull(memory.DefaultAllocator, arrow.PrimitiveTypes.Int32, int(in.NumRows()))}
	defer cols[0].Release()
	for i := n - 1; i >= 0; i-- {
		fields = append(fields, in.Schema().Field(i))
		cols = append(cols, in.Column(i))
	}
	sc := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(sc, cols, in.NumRows())
	rdr, err := array.NewRecordReader(sc, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	rec.Release()
	defer rdr.Release()
	got, err := gsp.Compute(context.Background(), rdr, gsp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	if !equalPupils(readPupils(t, got.Pupils), readPupils(t, want.Pupils)) ||
		!equalAggs(readAggregates(t, got.Aggregates), readAggregates(t, want.Aggregates)) {
		t.Fatal("outputs differ")
	}
}
