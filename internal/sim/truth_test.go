package sim

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// readParquet calls fn with every record of a Parquet file.
func readParquet(t *testing.T, path string, fn func(rec arrow.RecordBatch)) {
	t.Helper()
	f, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	rr, err := r.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	for rr.Next() {
		fn(rr.RecordBatch())
	}
}

type truthKey struct {
	school, level string
	spring        int32
}

type truthRow struct {
	latent, z float64
	n         int64
}

func readTruth(t *testing.T, dir string) map[truthKey]truthRow {
	rows := map[truthKey]truthRow{}
	readParquet(t, filepath.Join(dir, "truth", "school_effects.parquet"), func(rec arrow.RecordBatch) {
		school, level := strCol(rec, "school_orgnr"), strCol(rec, "level")
		spring := rec.Column(2).(*array.Int32)
		latent, z, n := rec.Column(3).(*array.Float64), rec.Column(4).(*array.Float64), rec.Column(5).(*array.Int64)
		for i := range school.Len() {
			k := truthKey{school.Value(i), level.Value(i), spring.Value(i)}
			if _, dup := rows[k]; dup {
				t.Fatalf("truth row %v repeated", k)
			}
			rows[k] = truthRow{latent.Value(i), z.Value(i), n.Value(i)}
		}
	})
	return rows
}

// sampleSD is the sample standard deviation (n-1).
func sampleSD(xs []float64) float64 {
	var m meanSD
	for _, x := range xs {
		m.add(x)
	}
	return m.sd()
}

// TestTruthEffectZ re-derives effect_z and n_pupils of every truth row
// from the data files and the model's parameters, following the recipe of
// doc.go and the SBI rule of shared/spec/indicators.md §1, independently of
// the generator's code.
func TestTruthEffectZ(t *testing.T) {
	dir, w := moderateNation(t)
	truth := readTruth(t, dir)
	m := DefaultModel()

	// Standardisation of the tests: sample SD and mean per (year, grade, subject).
	type group struct {
		year, grade int32
		subject     string
	}
	byGroup := map[group][]float64{}
	for _, r := range w.tests {
		if r.status == "participated" {
			g := group{r.year, r.grade, r.subject}
			byGroup[g] = append(byGroup[g], r.score)
		}
	}
	mean, sd := map[group]float64{}, map[group]float64{}
	for g, xs := range byGroup {
		var s meanSD
		for _, x := range xs {
			s.add(x)
		}
		mean[g], sd[g] = s.mean(), s.sd()
	}
	// Per pupil and test year: mean z and mean 1/sd over the scores present.
	type pupilTest struct {
		id          string
		year, grade int32
	}
	type zAcc struct{ z, inv, n float64 }
	tested := map[pupilTest]*zAcc{}
	for _, r := range w.tests {
		if r.status != "participated" {
			continue
		}
		k := pupilTest{r.id, r.year, r.grade}
		if tested[k] == nil {
			tested[k] = &zAcc{}
		}
		g := group{r.year, r.grade, r.subject}
		tested[k].z += (r.score - mean[g]) / sd[g]
		tested[k].inv += 1 / sd[g]
		tested[k].n++
	}

	type acc struct {
		sum float64
		n   int64
	}
	got := map[truthKey]*acc{}
	add := func(k truthKey, v float64) {
		if got[k] == nil {
			got[k] = &acc{}
		}
		got[k].sum += v
		got[k].n++
	}
	latent := func(k truthKey) float64 {
		row, ok := truth[k]
		if !ok {
			t.Fatalf("no truth row for %v, which has pupils", k)
		}
		return row.latent
	}

	// Levels 1-4 and 5-7: pupils with a grade-5 (8) score in Y, enrolled in
	// grade 4 (7) in Y-1 >= 2014, at the school of that enrolment.
	for k, a := range tested {
		if k.grade == 9 || k.year-1 < 2014 {
			continue
		}
		e, ok := w.enrol[pupilYear{k.id, k.year - 1}]
		if !ok || e.grade != k.grade-1 {
			continue
		}
		level := map[int32]string{5: "1-4", 8: "5-7"}[k.grade]
		tk := truthKey{e.school, level, k.year}
		add(tk, latent(tk)*10*a.inv/a.n)
	}

	// Level 8-10: pupils with a numeric written exam grade in school year y
	// (spring y+1), at the school that gave it (where they are in grade 10).
	type exam struct {
		id, school, code string
		year             int32
		grade            float64
	}
	var exams []exam
	examGrades := map[group][]float64{}
	for _, r := range w.grades {
		if r.kind == "written_exam" && r.grade >= "1" && r.grade <= "6" {
			g := float64(r.grade[0] - '0')
			exams = append(exams, exam{r.id, r.school, r.code, r.year, g})
			examGrades[group{r.year, 10, r.code}] = append(examGrades[group{r.year, 10, r.code}], g)
		}
	}
	examSD := map[group]float64{}
	for g, xs := range examGrades {
		examSD[g] = sampleSD(xs)
	}
	// Income deciles within each year's sample: floor(10 (rank-1) / n) + 1.
	decile := map[pupilYear]int{}
	for y := int32(2014); y <= 2024; y++ {
		var incomes []int64
		for _, e := range exams {
			if p := w.pupils[e.id]; e.year == y && p.known {
				incomes = append(incomes, p.income)
			}
		}
		slices.Sort(incomes)
		for _, e := range exams {
			if p := w.pupils[e.id]; e.year == y && p.known {
				lower, _ := slices.BinarySearchFunc(incomes, p.income, cmp.Compare[int64])
				decile[pupilYear{e.id, y}] = 10*lower/len(incomes) + 1
			}
		}
	}
	phi := func(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }
	expected := func(x, s float64) float64 {
		e := 1.0
		for _, c := range m.ExamCuts {
			e += phi((x - c) / s)
		}
		return e
	}
	b := m.Background[2]
	for _, e := range exams {
		p := w.pupils[e.id]
		mi := b.Intercept + b.Education[p.edu]
		if p.girl {
			mi += b.Girl
		}
		mi += []float64{0, b.Immigrant, b.NorwegianBorn}[p.imm]
		if d, ok := decile[pupilYear{e.id, e.year}]; ok {
			mi += b.IncomeDecile * float64(d-1)
		} else {
			mi += b.IncomeUnknown
		}
		noise := m.Noise10Miss
		if a, ok := tested[pupilTest{e.id, e.year - 2, 8}]; ok && e.year-2 >= 2014 {
			prior := a.z / a.n
			mi += m.Prior10[0]*prior + m.Prior10[1]*prior*prior
			noise = m.Noise10
		} else {
			mi += m.Prior10[2]
		}
		tk := truthKey{e.school, "8-10", e.year + 1}
		u := latent(tk)
		s := math.Sqrt(noise*noise + m.ExamNoise*m.ExamNoise)
		add(tk, (expected(mi+u, s)-expected(mi, s))/examSD[group{e.year, 10, e.code}])
	}

	for k, row := range truth {
		a := got[k]
		if a == nil {
			t.Errorf("truth row %v has no pupils in the data", k)
			continue
		}
		z := a.sum / float64(a.n)
		if a.n != row.n || math.Abs(z-row.z) > 1e-9*(1+math.Abs(z)) {
			t.Errorf("%v: truth says effect_z %.12f over %d pupils, the data %.12f over %d", k, row.z, row.n, z, a.n)
		}
	}
	if len(got) != len(truth) {
		t.Errorf("the data give %d (school, level, spring year) cohorts, the truth %d", len(got), len(truth))
	}
}

func TestTruthWindows(t *testing.T) {
	dir, _ := moderateNation(t)
	truth := readTruth(t, dir)
	m := DefaultModel()
	byLevel := map[string]*meanSD{}
	windows := map[string]bool{}
	readParquet(t, filepath.Join(dir, "truth", "school_effects_window.parquet"), func(rec arrow.RecordBatch) {
		school, level, window := strCol(rec, "school_orgnr"), strCol(rec, "level"), strCol(rec, "window")
		eff, n := rec.Column(3).(*array.Float64), rec.Column(4).(*array.Int64)
		for i := range level.Len() {
			windows[level.Value(i)+" "+window.Value(i)] = true
			// The pupil-weighted mean of the two cohorts' rows.
			var y int32
			if _, err := fmt.Sscanf(window.Value(i), "%d+", &y); err != nil {
				t.Fatal(err)
			}
			a, b := truth[truthKey{school.Value(i), level.Value(i), y}], truth[truthKey{school.Value(i), level.Value(i), y + 1}]
			if window.Value(i) != fmt.Sprintf("%d+%d", y, y+1) || a.n+b.n != n.Value(i) ||
				math.Abs((a.z*float64(a.n)+b.z*float64(b.n))/float64(a.n+b.n)-eff.Value(i)) > 1e-12 {
				t.Fatalf("window %s %s %s: effect_z %g over %d pupils, the cohorts %v and %v", school.Value(i), level.Value(i), window.Value(i), eff.Value(i), n.Value(i), a, b)
			}
			if n.Value(i) < 20 {
				continue
			}
			if byLevel[level.Value(i)] == nil {
				byLevel[level.Value(i)] = &meanSD{}
			}
			byLevel[level.Value(i)].add(eff.Value(i))
		}
	})
	// The effect on the latent has SD tau, and a window's mean of two cohorts
	// SD tau sqrt((1+rho)/2); in z units about the same for the tests (the
	// latents have SD about 1), less for the exam (grades are coarse).
	for l, tau := range m.Tau {
		s := byLevel[Levels[l]]
		if s == nil {
			t.Fatalf("no windows for level %s", Levels[l])
		}
		t.Logf("level %s: %v windows with 20+ pupils, effect_z SD %.3f (tau %.2f)", Levels[l], s.n, s.sd(), tau)
		lo := 0.8 * tau
		if l == 2 {
			lo = 0.6 * tau
		}
		within(t, "SD of the window effects of level "+Levels[l], s.sd(), lo, 1.2*tau)
	}
	// Windows: pairs of consecutive supported spring years. 1-4 and 5-7:
	// 2015..2024; 8-10: 2015..2025 without spring 2020-2022 (no exams).
	for _, w := range []string{"1-4 2015+2016", "5-7 2023+2024", "8-10 2018+2019", "8-10 2023+2024", "8-10 2024+2025"} {
		if !windows[w] {
			t.Errorf("window %s missing", w)
		}
	}
	for _, w := range []string{"1-4 2014+2015", "1-4 2024+2025", "8-10 2019+2020", "8-10 2022+2023"} {
		if windows[w] {
			t.Errorf("window %s should not exist", w)
		}
	}
}
