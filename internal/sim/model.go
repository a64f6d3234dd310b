package sim

import (
	"math"
)

// Model holds every parameter of the data-generating process (doc.go
// describes it). It is written to nation.json and truth/model.json.
type Model struct {
	Description map[string]string `json:"description"`

	// School effects: AR(1) over cohorts per school and level.
	Rho       float64    `json:"rho"`
	Tau       [3]float64 `json:"tau"`          // by level 1-4, 5-7, 8-10, latent SD units
	LevelCorr float64    `json:"level_corr"`   // correlation of a school's innovations across levels
	SurveyTau float64    `json:"survey_tau"`   // SD of the school effect per survey index
	BullyTau  float64    `json:"bullying_tau"` // SD of the school effect on bullying

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

// effect is the background part of a pupil's latent.
func (b *Background) effect(p *pupil) float64 {
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
	if p.decile > 0 {
		e += b.IncomeDecile * float64(p.decile-1)
	} else {
		e += b.IncomeUnknown
	}
	return e
}

// DefaultModel is the model the simulator uses.
func DefaultModel() Model {
	return Model{
		Description: map[string]string{
			"rho":                         "AR(1) coefficient of a school's effect from one cohort to the next, per level",
			"tau":                         "stationary SD of the school effect on the latent, levels 1-4, 5-7, 8-10 (the latents have SD about 1)",
			"level_corr":                  "share of a school's AR(1) innovation common to its levels (correlation of innovations across levels)",
			"survey_tau":                  "SD of a school's effect on each survey index latent",
			"bullying_tau":                "SD of a school's effect on the bullying latent",
			"background":                  "effects of the observed background on the grade-5, grade-8 and grade-10 latents; education in the order primary, upper_secondary, higher_short, higher_long, unknown; income as (decile-1) times the effect, or the unknown effect",
			"ability5":                    "loading of a standard normal pupil ability (independent of school) on the grade-5 latent",
			"subject_noise":               "SD of the subject-specific noise: score = 50 + 10*(latent + noise)",
			"prior8":                      "grade-8 latent: coefficients of the observed prior (mean z of the pupil's grade-5 tests), its square, and the missing-prior shift",
			"noise8":                      "SD of the grade-8 pupil noise when the prior is observed",
			"noise8_miss":                 "SD of the grade-8 pupil noise when the prior is missing",
			"growth9":                     "SD of the grade-9 latent around the grade-8 latent",
			"prior10":                     "grade-10 latent: coefficients of the observed prior (mean z of grade-8 tests), its square, and the missing-prior shift",
			"noise10":                     "SD of the grade-10 pupil noise when the prior is observed",
			"noise10_miss":                "SD of the grade-10 pupil noise when the prior is missing",
			"exam_noise":                  "SD of the written/oral exam noise around the grade-10 latent",
			"exam_cuts":                   "thresholds of the written exam: grade = 1 + number of cuts below latent + noise",
			"standpunkt_noise":            "SD of the standpunkt noise (per subject) around the grade-10 latent",
			"standpunkt_cuts":             "thresholds of standpunkt grades",
			"oral_noise":                  "SD of the oral exam noise",
			"oral_cuts":                   "thresholds of the oral exam",
			"cancelled_exam_school_years": "school years without grade-10 exams (2019-20, 2020-21, 2021-22: the pandemic)",
		},
		Rho:       0.85,
		Tau:       [3]float64{0.12, 0.14, 0.15},
		LevelCorr: 0.4,
		SurveyTau: 0.2,
		BullyTau:  0.15,
		Background: [3]Background{
			{Intercept: -0.07, Girl: 0.04, Immigrant: -0.35, NorwegianBorn: -0.15,
				Education: [5]float64{-0.45, -0.2, 0, 0.3, -0.35}, IncomeDecile: 0.035, IncomeUnknown: 0.05},
			{Intercept: 0.015, Girl: 0.03, Immigrant: -0.08, NorwegianBorn: -0.04,
				Education: [5]float64{-0.1, -0.05, 0, 0.08, -0.1}, IncomeDecile: 0.01, IncomeUnknown: 0.02},
			{Intercept: -0.05, Girl: 0.38, Immigrant: -0.2, NorwegianBorn: -0.08,
				Education: [5]float64{-0.35, -0.18, 0, 0.22, -0.3}, IncomeDecile: 0.02, IncomeUnknown: 0.05},
		},
		Ability5:        0.9,
		SubjectNoise:    0.35,
		Prior8:          [3]float64{0.8, -0.04, -0.25},
		Noise8:          0.45,
		Noise8Miss:      0.85,
		Growth9:         0.3,
		Prior10:         [3]float64{0.72, -0.04, -0.3},
		Noise10:         0.45,
		Noise10Miss:     0.85,
		ExamNoise:       0.55,
		ExamCuts:        [5]float64{-1.85, -0.95, -0.05, 0.8, 1.65},
		StandpunktNoise: 0.5,
		StandpunktCuts:  [5]float64{-2.45, -1.5, -0.55, 0.35, 1.3},
		OralNoise:       0.65,
		OralCuts:        [5]float64{-2.3, -1.4, -0.5, 0.4, 1.35},
		CancelledExams:  []int{2019, 2020, 2021},
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
