package sim

import (
	"math"
)

// Model holds every parameter of the data-generating process of the
// outcomes and the survey (doc.go describes the process). It is written to
// nation.json and truth/model.json, with a description of each parameter.
type Model struct {
	Description map[string]string `json:"description"`

	// School effects: AR(1) over cohorts per school and level.
	Rho       float64    `json:"rho"`
	Tau       [3]float64 `json:"tau"`        // by level 1-4, 5-7, 8-10, latent SD units
	LevelCorr float64    `json:"level_corr"` // correlation of a school's innovations across levels

	// Background effects per outcome (grade 5 tests, grade 8 tests, grade 10).
	Background [3]Background `json:"background"`

	Ability5     float64 `json:"ability5"`      // loading of pupil ability on the grade-5 latent
	SubjectNoise float64 `json:"subject_noise"` // SD of the subject-specific noise of a test score

	Prior8      [3]float64 `json:"prior8"`       // grade-8 latent: prior, prior², missing-prior shift
	Noise8      float64    `json:"noise8"`       // SD of the pupil noise of the grade-8 latent (prior known)
	Noise8Miss  float64    `json:"noise8_miss"`  // same, prior missing
	Growth9     float64    `json:"growth9"`      // SD of the change from the grade-8 to the grade-9 latent
	Prior10     [3]float64 `json:"prior10"`      // grade-10 latent: prior, prior², missing-prior shift
	Noise10     float64    `json:"noise10"`      // SD of the pupil noise of the grade-10 latent (prior known)
	Noise10Miss float64    `json:"noise10_miss"` // same, prior missing

	ExamNoise       float64    `json:"exam_noise"`
	ExamCuts        [5]float64 `json:"exam_cuts"`
	StandpunktNoise float64    `json:"standpunkt_noise"`
	StandpunktCuts  [5]float64 `json:"standpunkt_cuts"`
	OralNoise       float64    `json:"oral_noise"`
	OralCuts        [5]float64 `json:"oral_cuts"`
	CancelledExams  []int      `json:"cancelled_exam_school_years"`

	// Test statuses and non-numeric grades.
	TestExempt      float64 `json:"test_exempt"`
	TestExemptNew   float64 `json:"test_exempt_newly_arrived"`
	TestAbsent      float64 `json:"test_absent"`
	GradeF          float64 `json:"grade_f"`
	GradeIV         float64 `json:"grade_iv"`
	GradeFNew       float64 `json:"grade_f_newly_arrived"`
	ValgfagNumeric  int     `json:"valgfag_numeric_from"`
	LK20From        int     `json:"lk20_from"`
	NewlyArrivedMin int     `json:"newly_arrived_from_grade"`

	Survey Survey `json:"survey"`
}

// Survey holds the parameters of the survey answers.
type Survey struct {
	Participation float64    `json:"participation"`
	GenderMissing float64    `json:"gender_missing"`
	ItemMissing   float64    `json:"item_missing"`
	SchoolTau     float64    `json:"school_tau"`
	General       float64    `json:"general"`
	IndexNoise    float64    `json:"index_noise"`
	ItemNoise     float64    `json:"item_noise"`
	Cuts          [4]float64 `json:"cuts"`
	BullyTau      float64    `json:"bullying_tau"`
	BullyLoading  float64    `json:"bullying_loading"`
	BullyNoise    float64    `json:"bullying_noise"`
	BullyCuts     [4]float64 `json:"bullying_cuts"`
	Standalone    [2]float64 `json:"standalone"`
	ClassSize     int        `json:"class_size"`
}

// Background is the linear effect of the observed background on a latent.
// Everything a pupil brings enters through these observed categories (and,
// for grade 5, an ability independent of the school), so that a model with
// these covariates and school effects recovers the true school effects.
type Background struct {
	Intercept     float64    `json:"intercept"`
	Girl          float64    `json:"girl"`
	Immigrant     float64    `json:"immigrant"`
	NorwegianBorn float64    `json:"norwegian_born_to_immigrants"`
	Education     [5]float64 `json:"parent_education"` // in the order of microdata.ParentEducations
	IncomeDecile  float64    `json:"income_decile"`    // per decile step above 1
	IncomeUnknown float64    `json:"income_unknown"`
}

// effect is the background part of a pupil's latent, with the pupil's
// income decile (0 unknown).
func (b *Background) effect(p *pupil, decile int8) float64 {
	e := b.Intercept + b.Education[p.edu]
	if p.girl {
		e += b.Girl
	}
	switch p.imm {
	case immImmigrant:
		e += b.Immigrant
	case immNorwegianBorn:
		e += b.NorwegianBorn
	}
	if decile > 0 {
		e += b.IncomeDecile * float64(decile-1)
	} else {
		e += b.IncomeUnknown
	}
	return e
}

// DefaultModel is the model the simulator uses.
func DefaultModel() Model {
	return Model{
		Description: map[string]string{
			"rho":                         "AR(1) coefficient of a school's effect from one cohort (spring year) to the next, per level: u[Y] = rho u[Y-1] + sqrt(1-rho^2) tau w[Y]",
			"tau":                         "stationary SD of the school effect u on the latent, levels 1-4, 5-7, 8-10 (the latents have SD about 1)",
			"level_corr":                  "correlation of a school's AR(1) innovations w across its levels",
			"background":                  "effects of the observed background on the grade-5, grade-8 and grade-10 latents: intercept, girl, immigrant, norwegian_born_to_immigrants, parent education in the order primary, upper_secondary, higher_short, higher_long, unknown; income as (decile-1) times income_decile, or income_unknown; the decile is ranked within the SBI sample of the outcome (level and spring year), as the estimator does",
			"ability5":                    "loading of a standard normal pupil ability (independent of school and background) on the grade-5 latent",
			"subject_noise":               "SD of the subject-specific noise e: score = round(50 + 10 (latent + e), 1) (grade 9: 10 (latent + e) / sqrt(1 + growth9^2))",
			"prior8":                      "grade-8 latent: coefficients of the observed prior (mean z of the pupil's grade-5 tests in the data, z within school year, grade and subject, sample SD), its square, and the missing-prior shift (no grade-5 score in the data: newly arrived, exempt or absent, or grade 5 before the first school year)",
			"noise8":                      "SD of the grade-8 pupil noise when the prior is observed",
			"noise8_miss":                 "SD of the grade-8 pupil noise when the prior is missing",
			"growth9":                     "SD of the grade-9 latent around the grade-8 latent",
			"prior10":                     "grade-10 latent: coefficients of the observed prior (mean z of the pupil's grade-8 tests in the data), its square, and the missing-prior shift",
			"noise10":                     "SD of the grade-10 pupil noise when the prior is observed",
			"noise10_miss":                "SD of the grade-10 pupil noise when the prior is missing",
			"exam_noise":                  "SD of the written exam noise around the grade-10 latent",
			"exam_cuts":                   "thresholds of the written exam: grade = 1 + the number of cuts below latent + noise",
			"standpunkt_noise":            "SD of the standpunkt noise (per subject) around the grade-10 latent plus the subject's offset",
			"standpunkt_cuts":             "thresholds of standpunkt grades",
			"oral_noise":                  "SD of the oral exam noise around the grade-10 latent",
			"oral_cuts":                   "thresholds of the oral exam",
			"cancelled_exam_school_years": "school years without grade-10 exams (2019-20, 2020-21, 2021-22: the pandemic)",
			"test_exempt":                 "probability that a pupil is exempt from a national test (per subject)",
			"test_exempt_newly_arrived":   "same for a pupil who arrived in the test's grade or the grade before",
			"test_absent":                 "probability that a pupil is absent from a national test (per subject)",
			"grade_f":                     "probability that a grade-10 grade is F (exempt)",
			"grade_iv":                    "probability that a grade-10 grade is IV (not assessed)",
			"grade_f_newly_arrived":       "probability of F per grade for a pupil who arrived in grade newly_arrived_from_grade or later (most of them get no grunnskolepoeng)",
			"valgfag_numeric_from":        "first school year with numeric valgfag grades (before: D, participated)",
			"lk20_from":                   "first school year of grade 10 under the LK20 subject codes",
			"newly_arrived_from_grade":    "a pupil arriving in this grade or later counts as newly arrived in grade 10",
			"survey":                      "survey answers: per respondent a general trait g ~ N(0,1); index latent = general g + index_noise N(0,1) + v(school, index), v ~ N(0, school_tau^2); item answer = cut(index latent + item_noise N(0,1), cuts), 6 minus that for reverse-keyed items; bullying latent b = N(0,1) + v(school, bullying), v ~ N(0, bullying_tau^2), item = cut(bullying_loading b + bullying_noise N(0,1), bullying_cuts); standalone items cut(standalone[0] g + standalone[1] N(0,1), cuts); participation, missing gender and unanswered items independent; classes of at most class_size formed in pupil order within school and grade",
		},
		Rho:       0.85,
		Tau:       [3]float64{0.12, 0.14, 0.15},
		LevelCorr: 0.25,
		Background: [3]Background{
			{Intercept: -0.07, Girl: 0.04, Immigrant: -0.35, NorwegianBorn: -0.15,
				Education: [5]float64{-0.45, -0.2, 0, 0.3, -0.35}, IncomeDecile: 0.035, IncomeUnknown: 0.05},
			{Intercept: 0.015, Girl: 0.03, Immigrant: -0.12, NorwegianBorn: -0.05,
				Education: [5]float64{-0.1, -0.05, 0, 0.08, -0.1}, IncomeDecile: 0.01, IncomeUnknown: 0.02},
			{Intercept: -0.05, Girl: 0.38, Immigrant: -0.2, NorwegianBorn: -0.08,
				Education: [5]float64{-0.35, -0.18, 0, 0.22, -0.3}, IncomeDecile: 0.02, IncomeUnknown: 0.05},
		},
		Ability5:        0.9,
		SubjectNoise:    0.35,
		Prior8:          [3]float64{0.8, -0.04, -0.04},
		Noise8:          0.45,
		Noise8Miss:      0.93,
		Growth9:         0.3,
		Prior10:         [3]float64{0.72, -0.04, -0.04},
		Noise10:         0.45,
		Noise10Miss:     0.85,
		ExamNoise:       0.55,
		ExamCuts:        [5]float64{-1.85, -0.95, -0.05, 0.8, 1.65},
		StandpunktNoise: 0.5,
		StandpunktCuts:  [5]float64{-2.45, -1.5, -0.55, 0.35, 1.3},
		OralNoise:       0.65,
		OralCuts:        [5]float64{-2.3, -1.4, -0.5, 0.4, 1.35},
		CancelledExams:  []int{2019, 2020, 2021},
		TestExempt:      0.03,
		TestExemptNew:   0.5,
		TestAbsent:      0.02,
		GradeF:          0.003,
		GradeIV:         0.005,
		GradeFNew:       0.55,
		ValgfagNumeric:  2016,
		LK20From:        2021,
		NewlyArrivedMin: 8,
		Survey: Survey{
			Participation: 0.93,
			GenderMissing: 0.01,
			ItemMissing:   0.03,
			SchoolTau:     0.2,
			General:       0.6,
			IndexNoise:    0.8,
			ItemNoise:     0.8,
			Cuts:          [4]float64{-2.2, -1.3, -0.4, 0.6},
			BullyTau:      0.15,
			BullyLoading:  0.8,
			BullyNoise:    0.6,
			BullyCuts:     [4]float64{0.9, 1.85, 2.25, 2.7},
			Standalone:    [2]float64{0.5, 0.85},
			ClassSize:     28,
		},
	}
}

// cut maps a latent to a grade 1-6 by thresholds.
func cut(x float64, cuts *[5]float64) int {
	g := 1
	for _, c := range cuts {
		if x > c {
			g++
		}
	}
	return g
}

// expectedGrade is E[cut(m + e)] for e ~ N(0, sd²).
func expectedGrade(m, sd float64, cuts *[5]float64) float64 {
	e := 1.0
	for _, c := range cuts {
		e += 0.5 * math.Erfc(-(m-c)/(sd*math.Sqrt2))
	}
	return e
}

func (m *Model) examCancelled(schoolYear int) bool {
	for _, y := range m.CancelledExams {
		if y == schoolYear {
			return true
		}
	}
	return false
}
