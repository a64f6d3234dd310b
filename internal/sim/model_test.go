package sim

import (
	"math"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// moderate is one nation at scale 0.05 (3,000 pupils a cohort), read back
// from its files, shared by the model, truth and survey tests.
var moderate struct {
	once sync.Once
	dir  string
	w    *world
}

// world is what the files of a nation say, read with the microdata connector.
type world struct {
	pupils  map[string]*wPupil
	enrol   map[pupilYear]wEnrol
	tests   []wTest
	grades  []wGrade
	schools map[string]wSchool
}

type pupilYear struct {
	id   string
	year int32
}

type wPupil struct {
	birth  int32
	girl   bool
	imm    int // index into microdata.ImmigrantBackgrounds
	edu    int // index into microdata.ParentEducations
	income int64
	known  bool // income known
}

type wEnrol struct {
	grade  int32
	school string
}

type wTest struct {
	id             string
	year, grade    int32
	subject        string
	school, status string
	score          float64 // NaN when null
}

type wGrade struct {
	id                 string
	year               int32
	school, code, kind string
	grade              string
}

type wSchool struct {
	municipality string
	public       bool
}

func moderateNation(t *testing.T) (string, *world) {
	t.Helper()
	if testing.Short() {
		t.Skip("generates a nation at scale 0.05")
	}
	moderate.once.Do(func() {
		dir, err := os.MkdirTemp("", "sim-test-")
		if err != nil {
			t.Fatal(err)
		}
		moderate.dir = dir
		generate(t, dir, 9, 0.05, "parquet")
		moderate.w = readWorld(t, dir)
	})
	if moderate.w == nil {
		t.Fatal("the moderate nation failed in an earlier test")
	}
	return moderate.dir, moderate.w
}

func readWorld(t *testing.T, dir string) *world {
	w := &world{pupils: map[string]*wPupil{}, enrol: map[pupilYear]wEnrol{}, schools: map[string]wSchool{}}
	readTable(t, dir, "schools", func(rec arrow.RecordBatch) {
		id, muni := strCol(rec, "school_orgnr"), strCol(rec, "municipality_code")
		pub := rec.Column(3).(*array.Boolean)
		for i := range id.Len() {
			w.schools[id.Value(i)] = wSchool{muni.Value(i), pub.Value(i)}
		}
	})
	readTable(t, dir, "pupils", func(rec arrow.RecordBatch) {
		id, birth := strCol(rec, "pupil_id"), rec.Column(1).(*array.Int32)
		g, imm, edu := strCol(rec, "gender"), strCol(rec, "immigrant_background"), strCol(rec, "parent_education")
		inc := rec.Column(5).(*array.Int64)
		for i := range id.Len() {
			w.pupils[id.Value(i)] = &wPupil{birth: birth.Value(i), girl: g.Value(i) == "J",
				imm:    slices.Index(microdata.ImmigrantBackgrounds, imm.Value(i)),
				edu:    slices.Index(microdata.ParentEducations, edu.Value(i)),
				income: inc.Value(i), known: inc.IsValid(i)}
		}
	})
	readTable(t, dir, "enrolments", func(rec arrow.RecordBatch) {
		id, year, grade, school := strCol(rec, "pupil_id"), rec.Column(1).(*array.Int32), rec.Column(2).(*array.Int32), strCol(rec, "school_orgnr")
		for i := range id.Len() {
			w.enrol[pupilYear{id.Value(i), year.Value(i)}] = wEnrol{grade.Value(i), school.Value(i)}
		}
	})
	readTable(t, dir, "national_tests", func(rec arrow.RecordBatch) {
		id, year, grade := strCol(rec, "pupil_id"), rec.Column(1).(*array.Int32), rec.Column(2).(*array.Int32)
		subj, school, status := strCol(rec, "subject"), strCol(rec, "school_orgnr"), strCol(rec, "status")
		score := rec.Column(6).(*array.Float64)
		for i := range id.Len() {
			x := math.NaN()
			if score.IsValid(i) {
				x = score.Value(i)
			}
			w.tests = append(w.tests, wTest{id.Value(i), year.Value(i), grade.Value(i), subj.Value(i), school.Value(i), status.Value(i), x})
		}
	})
	readTable(t, dir, "grades", func(rec arrow.RecordBatch) {
		id, year, school := strCol(rec, "pupil_id"), rec.Column(1).(*array.Int32), strCol(rec, "school_orgnr")
		code, kind, grade := strCol(rec, "subject_code"), strCol(rec, "grade_type"), strCol(rec, "grade")
		for i := range id.Len() {
			w.grades = append(w.grades, wGrade{id.Value(i), year.Value(i), school.Value(i), code.Value(i), kind.Value(i), grade.Value(i)})
		}
	})
	return w
}

type meanSD struct{ n, sum, sumSq float64 }

func (m *meanSD) add(x float64) { m.n++; m.sum += x; m.sumSq += x * x }
func (m meanSD) mean() float64  { return m.sum / m.n }
func (m meanSD) sd() float64 {
	return math.Sqrt((m.sumSq - m.sum*m.sum/m.n) / (m.n - 1))
}

func within(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi || math.IsNaN(got) {
		t.Errorf("%s = %.4f, want %.4g..%.4g", what, got, lo, hi)
	}
}

func TestBackground(t *testing.T) {
	_, w := moderateNation(t)
	var n, girls, unknownIncome float64
	var imm [3]float64
	var edu [5]float64
	for _, p := range w.pupils {
		n++
		if p.girl {
			girls++
		}
		if !p.known {
			unknownIncome++
		}
		imm[p.imm]++
		edu[p.edu]++
	}
	within(t, "share of girls", girls/n, 0.48, 0.52)
	within(t, "share with unknown income", unknownIncome/n, 0.02, 0.04)
	within(t, "share of immigrants", imm[1]/n, 0.10, 0.145)
	within(t, "share Norwegian-born to immigrants", imm[2]/n, 0.055, 0.09)
	for k, want := range []float64{0.08, 0.30, 0.35, 0.22, 0.05} {
		within(t, "share with parent education "+microdata.ParentEducations[k], edu[k]/n, want-0.035, want+0.035)
	}
	// More immigrants in Oslo than elsewhere (enrolments of 2024).
	var oslo, osloImm, rest, restImm float64
	for k, e := range w.enrol {
		if k.year != 2024 {
			continue
		}
		isImm := 0.0
		if w.pupils[k.id].imm != 0 {
			isImm = 1
		}
		if w.schools[e.school].municipality == "0301" {
			oslo, osloImm = oslo+1, osloImm+isImm
		} else {
			rest, restImm = rest+1, restImm+isImm
		}
	}
	within(t, "Oslo's share of the pupils", oslo/(oslo+rest), 0.085, 0.115)
	if osloImm/oslo < 1.5*restImm/rest {
		t.Errorf("Oslo has %.3f pupils with immigrant background, the rest %.3f; want well above", osloImm/oslo, restImm/rest)
	}
}

func TestNationalTests(t *testing.T) {
	_, w := moderateNation(t)
	type group struct {
		year, grade int32
		subject     string
	}
	scores := map[group]*meanSD{}
	status := map[string]float64{}
	for _, r := range w.tests {
		status[r.status]++
		if r.status != "participated" {
			if !math.IsNaN(r.score) {
				t.Fatalf("%s test with a score", r.status)
			}
			continue
		}
		if math.IsNaN(r.score) {
			t.Fatal("participated without a score")
		}
		g := group{r.year, r.grade, r.subject}
		if scores[g] == nil {
			scores[g] = &meanSD{}
		}
		scores[g].add(r.score)
	}
	// 11 years of grade 5 and 8 in three subjects, grade 9 in two.
	if len(scores) != 11*8 {
		t.Errorf("%d (year, grade, subject) groups of test scores, want 88", len(scores))
	}
	for g, m := range scores {
		if g.grade == 9 && g.subject == "english" {
			t.Errorf("a grade-9 english test")
		}
		if math.Abs(m.mean()-50) > 1.5 || math.Abs(m.sd()-10) > 1.5 {
			t.Errorf("tests %v: mean %.2f SD %.2f, want 50±1.5 and 10±1.5", g, m.mean(), m.sd())
		}
	}
	n := float64(len(w.tests))
	within(t, "share of tests exempt", status["exempt"]/n, 0.025, 0.06)
	within(t, "share of tests absent", status["absent"]/n, 0.015, 0.025)
}

func TestGrades(t *testing.T) {
	_, w := moderateNation(t)
	exams := map[int32]int{}
	var written meanSD
	kinds := map[string]int{}
	numeric, subjects, sums := map[pupilYear]int{}, map[pupilYear]map[string]bool{}, map[pupilYear]int{}
	for _, r := range w.grades {
		kinds[r.grade]++
		k := pupilYear{r.id, r.year}
		if r.kind == "written_exam" {
			exams[r.year]++
			if r.grade >= "1" && r.grade <= "6" {
				written.add(float64(r.grade[0] - '0'))
			}
		}
		if subjects[k] == nil {
			subjects[k] = map[string]bool{}
		}
		subjects[k][r.code] = true
		if r.grade >= "1" && r.grade <= "6" {
			numeric[k]++
			sums[k] += int(r.grade[0] - '0')
		}
		lk06 := r.code == "NOR0214" || r.code == "MAT0010" || r.code == "ENG0012"
		lk20 := r.code == "NOR0218" || r.code == "MAT0015" || r.code == "ENG0030"
		if lk06 && r.year >= 2021 || lk20 && r.year < 2021 {
			t.Fatalf("subject %s in school year %d", r.code, r.year)
		}
	}
	for y := int32(2014); y <= 2024; y++ {
		cancelled := y >= 2019 && y <= 2021
		if (exams[y] > 0) == cancelled {
			t.Errorf("school year %d: %d written exams; want none exactly in 2019-2021", y, exams[y])
		}
	}
	t.Logf("written exam grades: mean %.2f, SD %.2f", written.mean(), written.sd())
	within(t, "mean written exam grade", written.mean(), 3.4, 3.9)
	n := float64(len(w.grades))
	within(t, "share of IV", float64(kinds["IV"])/n, 0.002, 0.01)
	within(t, "share of F", float64(kinds["F"])/n, 0.003, 0.02)
	within(t, "share of D", float64(kinds["D"])/n, 0.001, 0.03)

	// Grade points (shared/spec/indicators.md §2), computed here from the rows.
	var girls, boys meanSD
	without := 0
	for k, subj := range subjects {
		if len(subj) < 14 || len(subj) > 17 {
			t.Fatalf("pupil %s has %d subjects on the diploma of %d", k.id, len(subj), k.year)
		}
		if 2*numeric[k] <= len(subj) {
			without++
			continue
		}
		gsp := math.Round(float64(sums[k])/float64(numeric[k])*100) / 100 * 10
		if w.pupils[k.id].girl {
			girls.add(gsp)
		} else {
			boys.add(gsp)
		}
	}
	share := float64(without) / float64(len(subjects))
	t.Logf("grade points: girls %.2f, boys %.2f; %d of %d pupils without", girls.mean(), boys.mean(), without, len(subjects))
	if without == 0 || share > 0.02 {
		t.Errorf("%d of %d pupils (%.4f) have too few numeric grades for grade points; want a few, under 2 %%", without, len(subjects), share)
	}
	within(t, "mean grade points", (girls.sum+boys.sum)/(girls.n+boys.n), 41, 43)
	within(t, "girls' grade points above boys'", girls.mean()-boys.mean(), 3, 5)
}
