package gsp_test

import (
	"math"
	"testing"

	"github.com/skolestat/skolestat/transforms/gsp"
)

// TestMethodsWorkedExample is the worked example of docs/methods.md
// ("Grunnskolepoeng"). If this test changes, change the document.
func TestMethodsWorkedExample(t *testing.T) {
	s := school{orgnr: "974000001", muni: "0301", county: "03", public: true}
	row := func(pupil, subject, typ, grade string) inRow {
		return inRow{pupil, 2023, s.orgnr, subject, typ, grade, "J", s.public, s.muni, s.county}
	}
	var rows []inRow
	// Pupil A: 14 subjects on the diploma. Standpunkt grades in 12 of them:
	// 4 3 5 3 5 4 4 5 5 6 5 5 (sum 54); IV in music, F in the foreign
	// language; a written exam in mathematics (2) and an oral exam in English
	// (6). Numeric grades: 14, sum 62. 12 of 14 subjects have a numeric
	// grade, more than half (7). 62 / 14 = 4.428571... -> 4.43 -> 44.3.
	for _, g := range [][2]string{
		{"NOR0214", "4"}, {"NOR0215", "3"}, {"NOR0216", "5"}, {"MAT0010", "3"}, {"ENG0012", "5"},
		{"NAT0010", "4"}, {"SAF0010", "4"}, {"KRL0010", "5"}, {"KHV0010", "5"}, {"MHE0010", "6"},
		{"MUS0010", "IV"}, {"KRO0010", "5"}, {"FSP0010", "F"}, {"VAL0010", "5"},
	} {
		rows = append(rows, row("A", g[0], "standpunkt", g[1]))
	}
	rows = append(rows, row("A", "MAT0010", "written_exam", "2"), row("A", "ENG0012", "oral_exam", "6"))
	// Pupil B, newly arrived: 14 subjects, numeric grades (4) in 7 of them:
	// exactly half, so no grunnskolepoeng (left out, not counted as 0).
	for i, subj := range []string{"NOR0214", "NOR0215", "NOR0216", "MAT0010", "ENG0012", "NAT0010", "SAF0010",
		"KRL0010", "KHV0010", "MHE0010", "MUS0010", "KRO0010", "FSP0010", "VAL0010"} {
		g := "F"
		if i%2 == 0 {
			g = "4"
		}
		rows = append(rows, row("B", subj, "standpunkt", g))
	}
	// Pupil C: eight standpunkt grades summing to 33: 33 / 8 = 4.125, which
	// rounds half away from zero to 4.13 -> 41.3.
	for i, g := range []string{"4", "4", "4", "4", "4", "4", "4", "5"} {
		rows = append(rows, row("C", []string{"NOR0214", "NOR0215", "NOR0216", "MAT0010", "ENG0012", "NAT0010", "SAF0010", "KRL0010"}[i], "standpunkt", g))
	}
	res := mustCompute(t, gsp.Config{MinPupils: 1}, rows)
	got := map[string]pupilRow{}
	for _, p := range readPupils(t, res.Pupils) {
		got[p.id] = p
	}
	a, b, c := got["A"], got["B"], got["C"]
	if a.subjects != 14 || a.subjectsNum != 12 || a.gradesNum != 14 || a.sum != 62 || a.gsp == nil || *a.gsp != 44.3 {
		t.Errorf("pupil A = %+v, want 14 subjects, 12 numeric, 14 grades, sum 62, gsp 44.3", a)
	}
	if b.gsp != nil || b.subjectsNum != 7 || b.reason == nil || *b.reason != "numeric grades in 7 of 14 subjects (not more than half)" {
		t.Errorf("pupil B = %+v, want excluded with 7 of 14", b)
	}
	if c.gsp == nil || *c.gsp != 41.3 {
		t.Errorf("pupil C gsp = %v, want 41.3", c.gsp)
	}
	// The school: pupils A and C, mean (44.3 + 41.3) / 2 = 42.8,
	// SD sqrt(((1.5)^2 + (1.5)^2) / 1) = 2.1213...
	for _, r := range readAggregates(t, res.Aggregates) {
		if r.unit == "school" && r.sub == "all" {
			if r.n == nil || *r.n != 2 || r.mean == nil || math.Abs(*r.mean-42.8) > 1e-12 || r.sd == nil || math.Abs(*r.sd-math.Sqrt(4.5)) > 1e-12 {
				t.Errorf("school row = %+v, want n 2, mean 42.8, sd 2.1213", r)
			}
		}
	}
}
