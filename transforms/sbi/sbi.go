// Package sbi builds the estimation sample of a school contribution
// indicator (skolebidragsindikator, shared/spec/indicators.md §1) from pupil
// microdata: for one level and one window, the outcome y of every pupil in
// the sample, the covariate matrix X with column names, and the school each
// pupil is attributed to. The estimators (package sbi/model) fit y on X with
// a school per pupil; this package decides who is in the sample and what
// they are measured on.
//
// It is a pure transform: Arrow record readers in (the pupils, enrolments,
// national_tests and grades tables of connectors/microdata, in their
// canonical schemas), a Go [Matrix] out; no I/O, no globals, no clock. The
// same input, in any row order and any split into batches, gives the same
// Matrix.
//
// # Cohorts, years and attribution
//
// A window labelled "Y1+Y2" (Y2 = Y1+1) pools the cohorts finishing the
// level in spring Y1 (the first cohort) and spring Y2 (the second). For the
// cohort of spring year Y (school_year is the autumn year, so spring Y ends
// school year Y-1), Build reads exactly these rows:
//
//	level  cohort and school (enrolments)   outcome                                  prior (national_tests)
//	1-4    grade 4, school_year Y-1         national_tests grade 5, school_year Y    none
//	5-7    grade 7, school_year Y-1         national_tests grade 8, school_year Y    grade 5, school_year Y-3
//	8-10   grade 10, school_year Y-1        grades written_exam, school_year Y-1     grade 8, school_year Y-3
//
// (grades.school_year is the pupil's grade-10 year, so the exam of spring Y
// has school_year Y-1). Worked example, window 2018+2019:
//
//	level  cohort  enrolments          outcome                            prior
//	1-4    2018    grade 4, 2017       tests grade 5, 2018                -
//	1-4    2019    grade 4, 2018       tests grade 5, 2019                -
//	5-7    2018    grade 7, 2017       tests grade 8, 2018                tests grade 5, 2015
//	5-7    2019    grade 7, 2018       tests grade 8, 2019                tests grade 5, 2016
//	8-10   2018    grade 10, 2017      written exams 2017 (spring 2018)   tests grade 8, 2015
//	8-10   2019    grade 10, 2018      written exams 2018 (spring 2019)   tests grade 8, 2016
//
// An observation is a (pupil, cohort): the pupil's enrolment row in the
// attribution grade and year names the school. A pupil who moved between
// grades is attributed to that school, whatever school the outcome or prior
// was taken at (national_tests.school_orgnr and grades.school_orgnr are not
// read). A pupil enrolled in the attribution grade in both years of the
// window (a repeated grade) is two observations, one per cohort.
//
// # Standardisation
//
// A national test score becomes z = (score - mean) / sd within (school_year,
// grade, subject) over every participating row of that group in the input,
// in the sample or not; sd is the sample standard deviation (n - 1). Rows
// with status exempt or absent have no score and are not in any group. A
// written exam grade becomes z the same way within (school_year,
// subject_code) over the numeric written_exam grades 1-6; IV (not
// assessed), F (exempt) and D (participated) are not grades: they are in no
// group and are no outcome (a pupil whose only written exams are IV, F or D
// has no outcome). Standpunkt and oral exam grades are not read.
//
// A pupil's outcome (prior) is the mean of the z values present among the
// outcome (prior) rows of the cohort; the raw outcome is the mean of the raw
// scores or grades of the same rows.
//
// # Sample
//
// An observation is in the sample when it has an outcome. Left out, and
// counted per cohort in [Cohort]: pupils enrolled in the attribution grade
// and year without an outcome (NoOutcome), and pupils with an outcome in the
// cohort's outcome year but no enrolment in the attribution grade and year
// (NoEnrolment). A missing prior is set to 0 with prior_missing = 1.
//
// # Covariates
//
// The columns of X, in this order (see [ColumnNames]); each category
// column is 1 for the category and 0 otherwise, and the reference
// categories have no column:
//
//   - gender_J (reference G)
//   - immigrant_background_immigrant, immigrant_background_norwegian_born_to_immigrants (reference none)
//   - parent_education_upper_secondary, _higher_short, _higher_long, _unknown (reference primary)
//   - income_decile_2 ... income_decile_10, income_unknown (reference decile 1)
//   - second_cohort (1 for the cohort of spring Y2)
//   - levels 5-7 and 8-10 only: prior, prior_sq (prior²), prior_missing
//
// The income decile is ranked within the cohort's estimation sample: n
// counts the observations of the same cohort (level and spring year) in the
// sample with a known household_income, rank is 1 plus the number of them
// with a strictly lower income (SQL RANK(), ties share a rank), and decile =
// floor(10 (rank - 1) / n) + 1. This is how the simulator (internal/sim)
// ranks the deciles of its data-generating process.
//
// A column that is constant over the sample (a dummy without variation, say
// an empty decile, or no pupil without a prior; or the prior itself when
// every prior is missing) is dropped and listed in Matrix.Dropped, as R's lm
// drops an aliased column. Build does not check the rank of what is left,
// nor the variance of y: that is the estimator's job.
package sbi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// Level is one of the three SBI levels. They are different measures and
// must never be compared or averaged across levels.
type Level string

// The levels.
const (
	Level1to4  Level = "1-4"
	Level5to7  Level = "5-7"
	Level8to10 Level = "8-10"
)

// Levels lists the levels in their order.
var Levels = [...]Level{Level1to4, Level5to7, Level8to10}

// levelSpec says which grades a level reads. outcomeGrade is the national
// test grade of the outcome, 0 for the written exam; priorGrade is 0 when
// the level has no prior.
type levelSpec struct {
	attribGrade, outcomeGrade, priorGrade int32
}

func (l Level) spec() (levelSpec, error) {
	switch l {
	case Level1to4:
		return levelSpec{attribGrade: 4, outcomeGrade: 5}, nil
	case Level5to7:
		return levelSpec{attribGrade: 7, outcomeGrade: 8, priorGrade: 5}, nil
	case Level8to10:
		return levelSpec{attribGrade: 10, outcomeGrade: 0, priorGrade: 8}, nil
	}
	return levelSpec{}, fmt.Errorf("unknown level %q (want 1-4, 5-7 or 8-10)", string(l))
}

// Window is two consecutive cohorts, named by the spring year of the first.
// The zero value is not a window.
type Window struct {
	// First is the spring year of the first cohort; the second finishes in
	// spring First+1.
	First int
}

// String is the window's label, "2018+2019".
func (w Window) String() string { return fmt.Sprintf("%d+%d", w.First, w.First+1) }

// ParseWindow reads a label "Y+Y+1", such as "2018+2019".
func ParseWindow(s string) (Window, error) {
	a, b, ok := strings.Cut(s, "+")
	y1, err1 := strconv.Atoi(a)
	y2, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || y2 != y1+1 {
		return Window{}, fmt.Errorf("parsing window %q: want two consecutive spring years, such as 2018+2019", s)
	}
	w := Window{First: y1}
	return w, w.check()
}

func (w Window) check() error {
	// The prior reads school year First-3; the contract's school years are
	// 1990-2100.
	if w.First < 1993 || w.First > 2100 {
		return fmt.Errorf("window %s: first spring year outside 1993-2100", w)
	}
	return nil
}

// Inputs are the microdata tables Build reads, each an Arrow record reader
// with the table's canonical columns (connectors/microdata: Table.Schema).
// Columns are found by name, so their order is free and extra columns (such
// as the reader's source_file and source_row) are ignored; each column read
// must have the canonical type. Rows may come in any order and any split
// into batches.
//
// Grades is read for level 8-10 only and may be nil for the other levels.
// Build reads Enrolments, then Pupils, then NationalTests, then (8-10)
// Grades, each until Next returns false, and then checks its Err. It does
// not retain or release the readers, nor any batch after reading it.
type Inputs struct {
	Pupils, Enrolments, NationalTests, Grades array.RecordReader
}

// Config says which matrix to build.
type Config struct {
	Level  Level
	Window Window
}

// Matrix is the estimation sample of one level and window: N observations
// (a pupil in a cohort) and K covariates.
//
// It is a Go struct of float64 columns rather than an Arrow record because
// that is what the estimators consume (package sbi/model wants y, X column by
// column and a dense school index 0..S-1) and an Arrow copy would only be
// converted back. It holds personal data (pseudonymous pupil ids with their
// background): keep it in memory, never write or log it.
//
// Rows are ordered by school orgnr, then cohort, then pupil id; schools are
// indexed 0..S-1 in ascending orgnr. Every slice of length N shares this
// order.
type Matrix struct {
	Level  Level
	Window Window

	// Y is the outcome in z units: the mean z over the pupil's outcome rows.
	Y []float64
	// Raw is the outcome in its own unit (scale points or exam grade
	// points): the mean of the raw scores or grades of the same rows.
	Raw []float64

	// Names are the K column names of X, in the order of [ColumnNames]
	// without the dropped ones.
	Names []string
	// X holds the covariates column by column: X[k] is column Names[k], of
	// length N. There is no intercept column.
	X [][]float64
	// Dropped lists the columns of ColumnNames(Level) left out because they
	// are constant over the sample, in that order.
	Dropped []string

	// School is the dense index of each observation's school, into Schools.
	School []int32
	// Schools are the distinct orgnr of the sample, ascending.
	Schools []string
	// SchoolPupils counts the observations of each school (index as
	// Schools); every count is at least 1.
	SchoolPupils []int

	// PupilID is each observation's pupil (personal data).
	PupilID []string
	// Cohort is 0 for the first cohort of the window and 1 for the second,
	// kept even when second_cohort is dropped.
	Cohort []uint8

	// Cohorts describes the two cohorts: [0] spring Window.First, [1]
	// spring Window.First+1.
	Cohorts [2]Cohort
}

// Cohort counts one cohort's observations, those in the sample and those
// left out by reason.
type Cohort struct {
	SpringYear int
	// Pupils are the cohort's observations in the sample.
	Pupils int
	// NoOutcome counts pupils enrolled in the attribution grade and year
	// without an outcome (no score or no numeric written exam grade).
	NoOutcome int
	// NoEnrolment counts pupils with an outcome in the cohort's outcome
	// year who have no enrolment in the attribution grade and year.
	NoEnrolment int
	// MissingPrior counts observations in the sample without a prior (0 for
	// level 1-4, which has none).
	MissingPrior int
	// UnknownIncome counts observations in the sample without a household
	// income.
	UnknownIncome int
}

// N is the number of observations.
func (m *Matrix) N() int { return len(m.Y) }

// Column returns the column named name, or nil when there is none (never
// built for this level, or dropped).
func (m *Matrix) Column(name string) []float64 {
	for k, n := range m.Names {
		if n == name {
			return m.X[k]
		}
	}
	return nil
}

// RawSD is the sample standard deviation (n - 1) of Raw over the sample:
// the unit of the published effect, effect = effect_z * RawSD (spec §1,
// "effect"). It is 0 for fewer than two observations.
func (m *Matrix) RawSD() float64 {
	n := len(m.Raw)
	if n < 2 {
		return 0
	}
	mu := mean(m.Raw)
	var ss float64
	for _, v := range m.Raw {
		ss += (v - mu) * (v - mu)
	}
	return math.Sqrt(ss / float64(n-1))
}

// Build reads the inputs and returns the estimation sample of cfg.Level and
// cfg.Window (see the package documentation for the method).
//
// It fails, returning no Matrix, on an unknown level or a bad window; a
// missing or mistyped column, or a null where the contract allows none, in
// any batch; and, in the rows it uses (the years and grades above, the
// pupils of the cohorts): an unknown code (gender, immigrant background,
// parent education, test subject or status, grade); a participating test
// row without a score or a non-participating one with a score; two
// enrolments of a pupil in the attribution grade in one school year; two
// rows of a cohort pupil for the same test or exam subject; a pupil in the
// sample absent from Pupils or listed twice; a standardisation group used by
// the sample with fewer than two values or no spread (z would be NaN); and a
// sample without pupils. The other checks of the contract (keys over all
// rows, references, ranges) are the reader's (connectors/microdata). Errors
// name the level and window, the table, and the batch and row (1-based)
// where there is one; never a pupil id. Build checks ctx between batches.
func Build(ctx context.Context, in Inputs, cfg Config) (*Matrix, error) {
	spec, err := cfg.Level.spec()
	if err != nil {
		return nil, fmt.Errorf("building SBI matrix: %w", err)
	}
	if err := cfg.Window.check(); err != nil {
		return nil, fmt.Errorf("building SBI matrix: %w", err)
	}
	m, err := build(ctx, in, cfg, spec)
	if err != nil {
		return nil, fmt.Errorf("building SBI matrix, level %s, window %s: %w", cfg.Level, cfg.Window, err)
	}
	return m, nil
}

func build(ctx context.Context, in Inputs, cfg Config, spec levelSpec) (*Matrix, error) {
	if in.Enrolments == nil || in.Pupils == nil || in.NationalTests == nil {
		return nil, errors.New("inputs Pupils, Enrolments and NationalTests are required")
	}
	if spec.outcomeGrade == 0 && in.Grades == nil {
		return nil, errors.New("input Grades is required for level 8-10")
	}
	s := newSample(cfg.Window.First, spec)
	if err := s.readAll(ctx, "enrolments", in.Enrolments, s.addEnrolments); err != nil {
		return nil, err
	}
	if err := s.readAll(ctx, "pupils", in.Pupils, s.addPupils); err != nil {
		return nil, err
	}
	if err := s.readAll(ctx, "national_tests", in.NationalTests, s.addTests); err != nil {
		return nil, err
	}
	if spec.outcomeGrade == 0 {
		if err := s.readAll(ctx, "grades", in.Grades, s.addExams); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("standardising: %w", err)
	}
	if err := s.score(); err != nil {
		return nil, err
	}
	return s.matrix(cfg)
}
