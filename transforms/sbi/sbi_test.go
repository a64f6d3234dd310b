package sbi_test

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/skolestat/skolestat/transforms/sbi"
)

const (
	schoolA = "911111111"
	schoolB = "922222222"
	schoolC = "933333333"
)

var nan = math.NaN()

// middle is a window 2018+2019 at level 5-7, worked by hand below.
//
// Cohort spring 2018: grade 7 in school year 2017, outcome = grade-8 tests
// of 2018, prior = grade-5 tests of 2015. Cohort spring 2019: grade 7 in
// 2018, grade-8 tests of 2019, grade-5 tests of 2016.
//
//	p1 grade 5 at C (2015), grade 7 at A (2017), grade 8 at B (2018): attributed to A.
//	p2 grade 7 at A; numeracy exempt; no grade-5 test: prior missing.
//	p3 grade 7 at B; income unknown.
//	p4 grade 7 at B; absent from every grade-8 test: no outcome, left out.
//	p5 not in grade 7 in 2017 (grade 6 then): has scores, left out, but
//	   counts in the standardisation.
//	q1, q2, q3 the cohort of 2019, at A, B and C.
//
// Grade 8 2018 english: p1 60, p2 40, p3 50, p5 50. Mean 50, deviations
// 10, -10, 0, 0, sd = sqrt(200/3) = 10 sqrt(2/3), so z = sqrt(3/2), -sqrt(3/2), 0.
// Grade 8 2018 reading: p1 50, p2 50, p3 70, p5 30. Mean 50, deviations 0,
// 0, 20, -20, sd = sqrt(800/3) = 20 sqrt(2/3): z(p3) = sqrt(3/2), else 0.
// Grade 8 2018 numeracy: nobody took it (p2 exempt).
// Outcomes: p1 (sqrt(1.5)+0)/2, raw (60+50)/2 = 55; p2 -sqrt(1.5)/2, raw 45;
// p3 sqrt(1.5)/2, raw 60.
// Grade 5 2015 numeracy (prior): p1 55, p3 45: mean 50, sd sqrt(50) = 5 sqrt(2),
// z = +-1/sqrt(2).
// Grade 8 2019 numeracy: q1 52, q2 48, q3 50: mean 50, sd sqrt(8/2) = 2: z 1, -1, 0.
// Grade 5 2016 numeracy: q1 48, q2 52, q3 50: z -1, 1, 0.
//
// Income deciles within each cohort's sample. 2018: p1 and p2 300,000 (a
// tie), p3 unknown: n = 2, both rank 1, decile floor(10*0/2)+1 = 1. 2019: q1
// 100,000 rank 1 -> decile 1; q2 and q3 200,000 rank 2 -> floor(10*1/3)+1 =
// 4. So deciles 2, 3 and 5-10 are empty and dropped.
func middle() tables {
	return tables{
		pupils: []pupilRow{
			{"p1", "G", "none", "primary", 300000},
			{"p2", "J", "immigrant", "higher_long", 300000},
			{"p3", "J", "none", "upper_secondary", -1},
			{"p4", "G", "none", "primary", 1},
			{"p5", "J", "none", "primary", 2},
			{"q1", "G", "none", "primary", 100000},
			{"q2", "J", "norwegian_born_to_immigrants", "unknown", 200000},
			{"q3", "G", "none", "higher_short", 200000},
			{"x9", "G", "none", "primary", 5}, // not in any cohort
		},
		enrol: []enrolRow{
			{"p1", 2015, 5, schoolC}, {"p1", 2016, 6, schoolC}, {"p1", 2017, 7, schoolA}, {"p1", 2018, 8, schoolB},
			{"p2", 2017, 7, schoolA},
			{"p3", 2017, 7, schoolB},
			{"p4", 2017, 7, schoolB},
			{"p5", 2017, 6, schoolA}, {"p5", 2018, 8, schoolA},
			{"q1", 2018, 7, schoolA},
			{"q2", 2018, 7, schoolB},
			{"q3", 2018, 7, schoolC},
			{"x9", 2018, 6, schoolA},
		},
		tests: []testRow{
			{"p1", 2018, 8, "english", schoolB, "participated", 60},
			{"p1", 2018, 8, "reading", schoolB, "participated", 50},
			{"p2", 2018, 8, "english", schoolA, "participated", 40},
			{"p2", 2018, 8, "reading", schoolA, "participated", 50},
			{"p2", 2018, 8, "numeracy", schoolA, "exempt", nan},
			{"p3", 2018, 8, "english", schoolB, "participated", 50},
			{"p3", 2018, 8, "reading", schoolB, "participated", 70},
			{"p4", 2018, 8, "english", schoolB, "absent", nan},
			{"p4", 2018, 8, "reading", schoolB, "absent", nan},
			{"p5", 2018, 8, "english", schoolA, "participated", 50},
			{"p5", 2018, 8, "reading", schoolA, "participated", 30},
			{"p1", 2015, 5, "numeracy", schoolC, "participated", 55},
			{"p3", 2015, 5, "numeracy", schoolB, "participated", 45},
			{"q1", 2019, 8, "numeracy", schoolA, "participated", 52},
			{"q2", 2019, 8, "numeracy", schoolB, "participated", 48},
			{"q3", 2019, 8, "numeracy", schoolC, "participated", 50},
			{"q1", 2016, 5, "numeracy", schoolA, "participated", 48},
			{"q2", 2016, 5, "numeracy", schoolB, "participated", 52},
			{"q3", 2016, 5, "numeracy", schoolC, "participated", 50},
			// Other years and grades are not read: a grade-9 test, and a
			// grade-8 test of 2017 without spread that would make z
			// undefined if it were.
			{"p1", 2019, 9, "reading", schoolB, "participated", 99},
			{"x9", 2017, 8, "reading", schoolB, "participated", 10},
		},
	}
}

func TestMiddleByHand(t *testing.T) {
	m := mustBuild(t, middle(), sbi.Level5to7, "2018+2019")
	r := math.Sqrt(1.5)
	h := 1 / math.Sqrt(2)

	// Rows by school, cohort, pupil: A: p1, p2, q1; B: p3, q2; C: q3.
	if want := []string{"p1", "p2", "q1", "p3", "q2", "q3"}; !slices.Equal(m.PupilID, want) {
		t.Fatalf("pupils %v, want %v", m.PupilID, want)
	}
	if want := []string{schoolA, schoolB, schoolC}; !slices.Equal(m.Schools, want) {
		t.Errorf("schools %v, want %v", m.Schools, want)
	}
	if want := []int32{0, 0, 0, 1, 1, 2}; !slices.Equal(m.School, want) {
		t.Errorf("school index %v, want %v (p1 attributed to A, its grade-7 school)", m.School, want)
	}
	if want := []int{3, 2, 1}; !slices.Equal(m.SchoolPupils, want) {
		t.Errorf("school pupils %v, want %v", m.SchoolPupils, want)
	}
	if want := []uint8{0, 0, 1, 0, 1, 1}; !slices.Equal(m.Cohort, want) {
		t.Errorf("cohort %v, want %v", m.Cohort, want)
	}
	checkFloats(t, "Y", m.Y, []float64{r / 2, -r / 2, 1, r / 2, -1, 0})
	checkFloats(t, "Raw", m.Raw, []float64{55, 45, 52, 60, 48, 50})

	checkColumn(t, m, "gender_J", []float64{0, 1, 0, 1, 1, 0})
	checkColumn(t, m, "immigrant_background_immigrant", []float64{0, 1, 0, 0, 0, 0})
	checkColumn(t, m, "immigrant_background_norwegian_born_to_immigrants", []float64{0, 0, 0, 0, 1, 0})
	checkColumn(t, m, "parent_education_upper_secondary", []float64{0, 0, 0, 1, 0, 0})
	checkColumn(t, m, "parent_education_higher_short", []float64{0, 0, 0, 0, 0, 1})
	checkColumn(t, m, "parent_education_higher_long", []float64{0, 1, 0, 0, 0, 0})
	checkColumn(t, m, "parent_education_unknown", []float64{0, 0, 0, 0, 1, 0})
	checkColumn(t, m, "income_decile_4", []float64{0, 0, 0, 0, 1, 1})
	checkColumn(t, m, "income_unknown", []float64{0, 0, 0, 1, 0, 0})
	checkColumn(t, m, "second_cohort", []float64{0, 0, 1, 0, 1, 1})
	// p2 has no prior: 0 and the dummy.
	checkColumn(t, m, "prior", []float64{h, 0, -1, -h, 1, 0})
	checkColumn(t, m, "prior_sq", []float64{0.5, 0, 1, 0.5, 1, 0})
	checkColumn(t, m, "prior_missing", []float64{0, 1, 0, 0, 0, 0})

	wantDropped := []string{"income_decile_2", "income_decile_3", "income_decile_5", "income_decile_6",
		"income_decile_7", "income_decile_8", "income_decile_9", "income_decile_10"}
	if !slices.Equal(m.Dropped, wantDropped) {
		t.Errorf("dropped %v, want %v", m.Dropped, wantDropped)
	}
	wantNames := []string{"gender_J", "immigrant_background_immigrant", "immigrant_background_norwegian_born_to_immigrants",
		"parent_education_upper_secondary", "parent_education_higher_short", "parent_education_higher_long",
		"parent_education_unknown", "income_decile_4", "income_unknown", "second_cohort", "prior", "prior_sq", "prior_missing"}
	if !slices.Equal(m.Names, wantNames) {
		t.Errorf("names %v, want %v", m.Names, wantNames)
	}
	if len(m.X) != len(m.Names) {
		t.Errorf("%d columns for %d names", len(m.X), len(m.Names))
	}

	want := [2]sbi.Cohort{
		{SpringYear: 2018, Pupils: 3, NoOutcome: 1, NoEnrolment: 1, MissingPrior: 1, UnknownIncome: 1},
		{SpringYear: 2019, Pupils: 3},
	}
	if m.Cohorts != want {
		t.Errorf("cohorts %+v, want %+v", m.Cohorts, want)
	}

	// Raw 55 45 52 60 48 50: mean 310/6, sum of squares 16158 - 310²/6 =
	// 424/3, sd = sqrt(424/15).
	if got, want := m.RawSD(), math.Sqrt(424.0/15); !near(got, want) {
		t.Errorf("RawSD %.15g, want %.15g", got, want)
	}
}

// TestDecilesWithTies ranks incomes with ties, within each cohort.
//
// Level 1-4, window 2020+2021, one school. Cohort 2020 (grade 4 in 2019,
// grade-5 english of 2020): seven pupils with incomes 100, 200, 200, 200,
// 500, unknown, 900. n = 6 known. RANK(): 100 -> 1, the three 200 -> 2,
// 500 -> 5, 900 -> 6. Deciles floor(10 (rank-1) / 6) + 1: rank 1 -> 1,
// rank 2 -> floor(1.67)+1 = 2, rank 5 -> floor(6.67)+1 = 7, rank 6 ->
// floor(8.33)+1 = 9. (Ranking by row number instead would put the 200s in
// deciles 2, 4 and 6.) Cohort 2021: incomes 1000 and 50, n = 2: 50 ->
// decile 1, 1000 -> floor(10*1/2)+1 = 6. (Ranked together with 2020, 1000
// would be rank 8 of 8, decile 9.)
func TestDecilesWithTies(t *testing.T) {
	var d tables
	add := func(id string, year int32, income int64, score float64) {
		d.pupils = append(d.pupils, pupilRow{id, "G", "none", "primary", income})
		d.enrol = append(d.enrol, enrolRow{id, year - 1, 4, schoolA})
		d.tests = append(d.tests, testRow{id, year, 5, "english", schoolA, "participated", score})
	}
	add("a1", 2020, 100, 40)
	add("a2", 2020, 200, 45)
	add("a3", 2020, 200, 50)
	add("a4", 2020, 200, 55)
	add("a5", 2020, 500, 60)
	add("a6", 2020, -1, 50)
	add("a7", 2020, 900, 50)
	add("b1", 2021, 1000, 40)
	add("b2", 2021, 50, 60)
	m := mustBuild(t, d, sbi.Level1to4, "2020+2021")

	if want := []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "b1", "b2"}; !slices.Equal(m.PupilID, want) {
		t.Fatalf("pupils %v, want %v", m.PupilID, want)
	}
	checkColumn(t, m, "income_decile_2", []float64{0, 1, 1, 1, 0, 0, 0, 0, 0})
	checkColumn(t, m, "income_decile_6", []float64{0, 0, 0, 0, 0, 0, 0, 1, 0})
	checkColumn(t, m, "income_decile_7", []float64{0, 0, 0, 0, 1, 0, 0, 0, 0})
	checkColumn(t, m, "income_decile_9", []float64{0, 0, 0, 0, 0, 0, 1, 0, 0})
	checkColumn(t, m, "income_unknown", []float64{0, 0, 0, 0, 0, 1, 0, 0, 0})
	// Everyone is a boy of no immigrant background with primary-educated
	// parents: those dummies are constant and dropped, as are the empty
	// deciles. Level 1-4 has no prior columns.
	wantDropped := []string{"gender_J", "immigrant_background_immigrant", "immigrant_background_norwegian_born_to_immigrants",
		"parent_education_upper_secondary", "parent_education_higher_short", "parent_education_higher_long",
		"parent_education_unknown", "income_decile_3", "income_decile_4", "income_decile_5", "income_decile_8",
		"income_decile_10"}
	if !slices.Equal(m.Dropped, wantDropped) {
		t.Errorf("dropped %v, want %v", m.Dropped, wantDropped)
	}
	wantNames := []string{"income_decile_2", "income_decile_6", "income_decile_7", "income_decile_9", "income_unknown", "second_cohort"}
	if !slices.Equal(m.Names, wantNames) {
		t.Errorf("names %v, want %v", m.Names, wantNames)
	}
	// Grade 5 2020 english: 40 45 50 55 60 50 50, mean 50, squares 100 25 0
	// 25 100 0 0 = 250, sd = sqrt(250/6). Grade 5 2021: 40 60, sd sqrt(200).
	sd0, sd1 := math.Sqrt(250.0/6), math.Sqrt(200)
	checkFloats(t, "Y", m.Y, []float64{-10 / sd0, -5 / sd0, 0, 5 / sd0, 10 / sd0, 0, 0, -10 / sd1, 10 / sd1})
}

// exams is a window 2018+2019 at level 8-10, worked by hand.
//
// Cohort 2018: grade 10 in school year 2017, written exams of 2017 (spring
// 2018), prior = grade-8 tests of 2015. Cohort 2019: grade 10 in 2018,
// exams of 2018, no prior data.
//
// Written exams 2017, by subject (standpunkt and oral grades not read; IV,
// F and D are not grades):
//
//	MAT0010: e1 4, e2 2 (e3 IV): mean 3, sd sqrt(2): z e1 1/sqrt2, e2 -1/sqrt2.
//	NOR0214: e4 5, e5 3: mean 4, sd sqrt(2): e4 1/sqrt2, e5 -1/sqrt2.
//	ENG0012: e4 3, e6 5 (e5 F): mean 4, sd sqrt(2): e4 -1/sqrt2.
//
// e6 sat the exam but was in grade 9 in 2017: left out, counted in the
// standardisation. e3's only written exam is IV: no outcome, left out.
// Outcomes: e1 1/sqrt2 (raw 4), e2 -1/sqrt2 (raw 2), e4 (1/sqrt2 -
// 1/sqrt2)/2 = 0 (raw 4), e5 -1/sqrt2 (raw 3).
// Grade 8 2015 reading: e1 50, e2 40, x 60: mean 50, sd 10: e1 0, e2 -1.
// e4, e5 have no prior.
// Exams 2018 MAT0010: f1 5, f2 3 (f2 not enrolled in grade 10 in 2018):
// mean 4, sd sqrt(2): f1 1/sqrt2, raw 5.
func exams() tables {
	var d tables
	for _, id := range []string{"e1", "e2", "e3", "e4", "e5", "e6", "f1", "f2", "x"} {
		d.pupils = append(d.pupils, pupilRow{id, "J", "none", "higher_long", 400000})
	}
	d.pupils[0].gender = "G"
	d.enrol = []enrolRow{
		{"e1", 2017, 10, schoolB}, {"e2", 2017, 10, schoolB}, {"e3", 2017, 10, schoolB},
		{"e4", 2017, 10, schoolA}, {"e5", 2017, 10, schoolA}, {"e6", 2017, 9, schoolA},
		{"f1", 2018, 10, schoolA}, {"f2", 2018, 9, schoolA},
	}
	g := func(id string, year int32, subject, gtype, grade string) gradeRow {
		return gradeRow{id, year, schoolA, subject, gtype, grade}
	}
	d.grades = []gradeRow{
		g("e1", 2017, "MAT0010", "written_exam", "4"), g("e1", 2017, "MAT0010", "standpunkt", "6"),
		g("e2", 2017, "MAT0010", "written_exam", "2"), g("e2", 2017, "NOR0214", "oral_exam", "6"),
		g("e3", 2017, "MAT0010", "written_exam", "IV"), g("e3", 2017, "MAT0010", "standpunkt", "3"),
		g("e4", 2017, "NOR0214", "written_exam", "5"), g("e4", 2017, "ENG0012", "written_exam", "3"),
		g("e5", 2017, "NOR0214", "written_exam", "3"), g("e5", 2017, "ENG0012", "written_exam", "F"),
		g("e6", 2017, "ENG0012", "written_exam", "5"),
		g("f1", 2018, "MAT0010", "written_exam", "5"), g("f2", 2018, "MAT0010", "written_exam", "3"),
		g("x", 2016, "MAT0010", "written_exam", "1"), // another year: not read
	}
	d.tests = []testRow{
		{"e1", 2015, 8, "reading", schoolB, "participated", 50},
		{"e2", 2015, 8, "reading", schoolB, "participated", 40},
		{"x", 2015, 8, "reading", schoolB, "participated", 60},
		{"e4", 2015, 8, "reading", schoolB, "exempt", nan},
	}
	return d
}

func TestExamsByHand(t *testing.T) {
	m := mustBuild(t, exams(), sbi.Level8to10, "2018+2019")
	h := 1 / math.Sqrt(2)
	// A: e4, e5 (2018), f1 (2019); B: e1, e2.
	if want := []string{"e4", "e5", "f1", "e1", "e2"}; !slices.Equal(m.PupilID, want) {
		t.Fatalf("pupils %v, want %v", m.PupilID, want)
	}
	checkFloats(t, "Y", m.Y, []float64{0, -h, h, h, -h})
	checkFloats(t, "Raw", m.Raw, []float64{4, 3, 5, 4, 2})
	checkColumn(t, m, "prior", []float64{0, 0, 0, 0, -1})
	checkColumn(t, m, "prior_sq", []float64{0, 0, 0, 0, 1})
	checkColumn(t, m, "prior_missing", []float64{1, 1, 1, 0, 0})
	checkColumn(t, m, "second_cohort", []float64{0, 0, 1, 0, 0})
	checkColumn(t, m, "gender_J", []float64{1, 1, 1, 0, 1})
	// Everyone has the same income: decile 1 in each cohort.
	wantNames := []string{"gender_J", "second_cohort", "prior", "prior_sq", "prior_missing"}
	if !slices.Equal(m.Names, wantNames) {
		t.Errorf("names %v, want %v", m.Names, wantNames)
	}
	if len(m.Dropped)+len(m.Names) != len(sbi.ColumnNames(sbi.Level8to10)) {
		t.Errorf("dropped %v and kept %v do not make up the level's columns", m.Dropped, m.Names)
	}
	want := [2]sbi.Cohort{
		{SpringYear: 2018, Pupils: 4, NoOutcome: 1, NoEnrolment: 1, MissingPrior: 2},
		{SpringYear: 2019, Pupils: 1, NoEnrolment: 1, MissingPrior: 1},
	}
	if m.Cohorts != want {
		t.Errorf("cohorts %+v, want %+v", m.Cohorts, want)
	}
}

// TestOneCohortDropsSecondCohort: with only the first cohort in the sample,
// second_cohort is constant and dropped.
func TestOneCohortDropsSecondCohort(t *testing.T) {
	d := middle()
	var tests []testRow
	for _, x := range d.tests {
		if x.year != 2019 {
			tests = append(tests, x)
		}
	}
	d.tests = tests
	m := mustBuild(t, d, sbi.Level5to7, "2018+2019")
	if !slices.Contains(m.Dropped, "second_cohort") || m.Column("second_cohort") != nil {
		t.Errorf("second_cohort kept (dropped: %v)", m.Dropped)
	}
	if m.Cohorts[1].Pupils != 0 || m.Cohorts[1].NoOutcome != 3 {
		t.Errorf("cohort 2019 %+v, want 0 pupils and 3 without outcome", m.Cohorts[1])
	}
}

// TestOrderAndBatchesDoNotMatter: shuffled rows in batches of three give the
// same matrix, bit for bit.
func TestOrderAndBatchesDoNotMatter(t *testing.T) {
	for _, c := range []struct {
		level sbi.Level
		data  tables
	}{{sbi.Level5to7, middle()}, {sbi.Level8to10, exams()}} {
		want := mustBuild(t, c.data, c.level, "2018+2019")
		r := rand.New(rand.NewPCG(1, 2))
		for range 5 {
			d := c.data.shuffled(r)
			got, err := sbi.Build(context.Background(), d.batches(t, 3).inputs(t), sbi.Config{Level: c.level, Window: sbi.Window{First: 2018}})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("level %s: shuffled input gives a different matrix", c.level)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name   string
		level  sbi.Level
		window string
		edit   func(*tables)
		want   []string // all in the message
	}{
		{
			name: "window without pupils", level: sbi.Level5to7, window: "2022+2023",
			want: []string{"level 5-7", "window 2022+2023", "no pupils", "spring 2022: 0 enrolled in grade 7 in school year 2021"},
		},
		{
			name: "cohort without outcomes", level: sbi.Level8to10, window: "2018+2019",
			edit: func(d *tables) {
				for i := range d.grades {
					d.grades[i].gtype = "standpunkt"
				}
			},
			want: []string{"level 8-10", "window 2018+2019", "no pupils", "spring 2018: 5 enrolled in grade 10"},
		},
		{
			name: "prior group without spread", level: sbi.Level5to7, window: "2018+2019",
			edit: func(d *tables) {
				d.tests = slices.DeleteFunc(d.tests, func(x testRow) bool { return x.id == "p3" && x.grade == 5 })
			},
			want: []string{"national_tests school_year 2015, grade 5, numeracy", "1 value(s) without spread"},
		},
		{
			name: "two enrolments", level: sbi.Level5to7, window: "2018+2019",
			edit: func(d *tables) { d.enrol = append(d.enrol, enrolRow{"p2", 2017, 7, schoolB}) },
			want: []string{"reading enrolments", "batch 1, row 14", "enrolled in grade 7 in school year 2017 also at enrolments batch 1, row 5"},
		},
		{
			name: "two scores", level: sbi.Level5to7, window: "2018+2019",
			edit: func(d *tables) {
				d.tests = append(d.tests, testRow{"p1", 2018, 8, "reading", schoolA, "participated", 1})
			},
			want: []string{"national_tests batch 1, row 2 and national_tests batch 1, row 22", "grade 8, reading"},
		},
		{
			name: "pupil without background", level: sbi.Level5to7, window: "2018+2019",
			edit: func(d *tables) { d.pupils = d.pupils[1:] },
			want: []string{"reading pupils", "1 pupil(s) of the sample have no row"},
		},
		{
			name: "participated without score", level: sbi.Level5to7, window: "2018+2019",
			edit: func(d *tables) { d.tests[1].score = nan },
			want: []string{"reading national_tests", "row 2", "participated without a scale_score"},
		},
		{
			name: "unknown gender", level: sbi.Level5to7, window: "2018+2019",
			edit: func(d *tables) { d.pupils[2].gender = "X" },
			want: []string{"reading pupils", "row 3", `gender "X"`},
		},
		{
			name: "unknown exam grade", level: sbi.Level8to10, window: "2018+2019",
			edit: func(d *tables) { d.grades[0].grade = "7" },
			want: []string{"reading grades", "row 1", `grade "7"`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := middle()
			if c.level == sbi.Level8to10 {
				d = exams()
			}
			if c.edit != nil {
				c.edit(&d)
			}
			m, err := build(t, d, c.level, c.window)
			if err == nil {
				t.Fatalf("no error; matrix of %d pupils", m.N())
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			for _, id := range []string{"p1", "p2", "p3", "e1", "q1"} {
				if strings.Contains(err.Error(), `"`+id+`"`) || strings.Contains(err.Error(), " "+id+" ") {
					t.Errorf("error %q names a pupil", err)
				}
			}
		})
	}
}

func TestBadConfig(t *testing.T) {
	d := middle().batches(t, 0)
	if _, err := sbi.Build(context.Background(), d.inputs(t), sbi.Config{Level: "4-7", Window: sbi.Window{First: 2018}}); err == nil || !strings.Contains(err.Error(), `unknown level "4-7"`) {
		t.Errorf("level 4-7: error %v", err)
	}
	if _, err := sbi.Build(context.Background(), d.inputs(t), sbi.Config{Level: sbi.Level5to7}); err == nil || !strings.Contains(err.Error(), "window 0+1") {
		t.Errorf("zero window: error %v", err)
	}
	for _, s := range []string{"2018+2020", "2018", "x+y", "2019+2018"} {
		if _, err := sbi.ParseWindow(s); err == nil {
			t.Errorf("ParseWindow(%q) accepted", s)
		}
	}
	if w, err := sbi.ParseWindow("2018+2019"); err != nil || w.First != 2018 || w.String() != "2018+2019" {
		t.Errorf("ParseWindow(2018+2019) = %v, %v", w, err)
	}
	in := d.inputs(t)
	in.Grades = nil
	if _, err := sbi.Build(context.Background(), in, sbi.Config{Level: sbi.Level8to10, Window: sbi.Window{First: 2018}}); err == nil || !strings.Contains(err.Error(), "Grades is required") {
		t.Errorf("8-10 without grades: error %v", err)
	}
	in = d.inputs(t)
	in.Grades = nil
	if _, err := sbi.Build(context.Background(), in, sbi.Config{Level: sbi.Level5to7, Window: sbi.Window{First: 2018}}); err != nil {
		t.Errorf("5-7 without grades: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sbi.Build(ctx, d.inputs(t), sbi.Config{Level: sbi.Level5to7, Window: sbi.Window{First: 2018}}); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("cancelled: error %v", err)
	}
}

// TestMissingColumn: a column the input lacks is named.
func TestMissingColumn(t *testing.T) {
	d := middle().batches(t, 0)
	in := d.inputs(t)
	// The pupils batches where enrolments are expected: school_year missing.
	in.Enrolments = reader(t, "pupils", d.pupils)
	_, err := sbi.Build(context.Background(), in, sbi.Config{Level: sbi.Level5to7, Window: sbi.Window{First: 2018}})
	if err == nil || !strings.Contains(err.Error(), "reading enrolments: batch 1, column school_year missing") {
		t.Errorf("error %v", err)
	}
}

// TestMistypedColumn: a column of another Arrow type than the contract's
// is named with both types.
func TestMistypedColumn(t *testing.T) {
	d := middle().batches(t, 0)
	in := d.inputs(t)
	// The enrolments with school_year as int64 (the contract: int32).
	enrol := d.enrol[0]
	fields := slices.Clone(enrol.Schema().Fields())
	cols := slices.Clone(enrol.Columns())
	j := enrol.Schema().FieldIndices("school_year")[0]
	years := enrol.Column(j).(*array.Int32)
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	for i := range years.Len() {
		b.Append(int64(years.Value(i)))
	}
	wide := b.NewArray()
	defer wide.Release()
	fields[j] = arrow.Field{Name: "school_year", Type: arrow.PrimitiveTypes.Int64}
	cols[j] = wide
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, enrol.NumRows())
	defer rec.Release()
	in.Enrolments = reader(t, "enrolments", []arrow.RecordBatch{rec})
	_, err := sbi.Build(context.Background(), in, sbi.Config{Level: sbi.Level5to7, Window: sbi.Window{First: 2018}})
	if err == nil || !strings.Contains(err.Error(), "reading enrolments: batch 1, column school_year has type int64, want int32") {
		t.Errorf("error %v", err)
	}
}

func TestColumnNames(t *testing.T) {
	n14, n57 := sbi.ColumnNames(sbi.Level1to4), sbi.ColumnNames(sbi.Level5to7)
	// 1 gender + 2 immigrant + 4 education + 9 deciles + unknown + cohort.
	if len(n14) != 18 || len(n57) != 21 {
		t.Errorf("%d and %d columns, want 18 and 21", len(n14), len(n57))
	}
	if !slices.Equal(n57[:18], n14) || !slices.Equal(n57[18:], []string{"prior", "prior_sq", "prior_missing"}) {
		t.Errorf("5-7 columns %v", n57)
	}
	if sbi.ColumnNames("x") != nil {
		t.Error("unknown level has columns")
	}
}
