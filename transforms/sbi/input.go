package sbi

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/microdata"
	"github.com/skolestat/skolestat/transforms"
)

// Roles of a value row: an outcome or a prior.
const (
	roleOutcome uint8 = iota
	rolePrior
)

// pupil is a pupil enrolled in the attribution grade in a year of the
// window. Background codes index microdata.Genders, ImmigrantBackgrounds
// and ParentEducations; income is -1 when unknown.
type pupil struct {
	id                  string
	obs                 [2]int32 // observation of each cohort, -1 for none
	gender, immig, educ uint8
	income              int64
	seen                bool // the pupils row has been read
}

// observation is a pupil in a cohort, attributed to school (an index into
// sample.orgnrs).
type observation struct {
	pupil  int32
	school int32
	cohort uint8

	outN, priorN         int32
	outZ, outRaw, priorZ float64 // sums, then means
	decile               int8    // 1-10, 0 unknown income
	enrolledAt           int64   // global enrolment row, for messages
}

// value is one score or numeric exam grade of a standardisation group.
// obs is the observation it belongs to, or -1 for a pupil outside the
// cohort (who still counts in the group's mean and sd).
type value struct {
	obs   int32
	group int32
	x     float64
	row   int64 // global row of its table, for messages
}

// group is a standardisation group: (school_year, grade, subject) of the
// national tests or (school_year, subject_code) of the written exams.
type group struct {
	name     string // for messages: "national_tests school_year 2015, grade 5, english"
	table    string // national_tests or grades
	role     uint8
	cohort   uint8
	n        int
	mean, sd float64
}

// rowIndex maps a table's global row numbers back to batch and row.
type rowIndex struct {
	table      string
	batchStart []int64
	rows       int64
}

func (r *rowIndex) where(global int64) string {
	b := sort.Search(len(r.batchStart), func(i int) bool { return r.batchStart[i] > global }) - 1
	return fmt.Sprintf("%s batch %d, row %d", r.table, b+1, global-r.batchStart[b]+1)
}

// sample accumulates what Build reads. Strings it keeps are copies, never
// views of a batch's buffers.
type sample struct {
	first int // spring year of the first cohort
	spec  levelSpec

	pupilIdx map[string]int32
	pupils   []pupil
	obs      []observation

	orgnrIdx map[string]int32
	orgnrs   []string

	values    []value
	groups    []group
	examGroup map[examKey]int32
	// noEnrol holds, per cohort, the pupils with an outcome but no
	// enrolment in the attribution grade and year.
	noEnrol [2]map[string]struct{}

	pos map[string]*rowIndex
}

type examKey struct {
	cohort  uint8
	subject string
}

func newSample(first int, spec levelSpec) *sample {
	s := &sample{
		first:     first,
		spec:      spec,
		pupilIdx:  make(map[string]int32),
		orgnrIdx:  make(map[string]int32),
		examGroup: make(map[examKey]int32),
		noEnrol:   [2]map[string]struct{}{{}, {}},
		pos:       make(map[string]*rowIndex),
	}
	// The twelve national test groups: role x cohort x subject, at index
	// testGroup(role, cohort, subject).
	for role := range uint8(2) {
		for c := range uint8(2) {
			for _, subj := range microdata.TestSubjects {
				year, grade := s.testYear(role, c), spec.outcomeGrade
				if role == rolePrior {
					grade = spec.priorGrade
				}
				s.groups = append(s.groups, group{
					name:   fmt.Sprintf("national_tests school_year %d, grade %d, %s", year, grade, subj),
					table:  "national_tests",
					role:   role,
					cohort: c,
				})
			}
		}
	}
	return s
}

func testGroup(role, cohort uint8, subject int) int32 {
	return int32(role)*6 + int32(cohort)*3 + int32(subject)
}

// testYear is the school year of the national tests of a role and cohort:
// the outcome in Y, the prior in Y-3, for spring year Y.
func (s *sample) testYear(role, cohort uint8) int {
	y := s.first + int(cohort)
	if role == rolePrior {
		return y - 3
	}
	return y
}

// readAll hands every batch of r to add, with the table's row index
// (kept in s.pos for messages), whose rows are the batch's global first row
// while add runs.
func (s *sample) readAll(ctx context.Context, table string, r array.RecordReader, add func(*rowIndex, arrow.RecordBatch) error) error {
	pos := &rowIndex{table: table}
	s.pos[table] = pos
	for r.Next() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("reading %s: %w", table, err)
		}
		b := r.RecordBatch()
		pos.batchStart = append(pos.batchStart, pos.rows)
		if err := add(pos, b); err != nil {
			return fmt.Errorf("reading %s: batch %d, %w", table, len(pos.batchStart), err)
		}
		pos.rows += b.NumRows()
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", table, err)
	}
	return nil
}

// columnsOf finds the named columns of table in b, checking each has the
// canonical type and, unless the contract allows it, no null.
func columnsOf(b arrow.RecordBatch, table string, names ...string) ([]arrow.Array, error) {
	t, ok := microdata.Lookup(table)
	if !ok {
		return nil, fmt.Errorf("no table %s in the microdata contract", table)
	}
	out := make([]arrow.Array, len(names))
	for j, name := range names {
		c, ok := t.Column(name)
		if !ok {
			return nil, fmt.Errorf("no column %s in table %s of the contract", name, table)
		}
		col, err := transforms.Column(b, name)
		if err != nil {
			return nil, err
		}
		if want := c.ArrowType(); !arrow.TypeEqual(col.DataType(), want) {
			return nil, fmt.Errorf("column %s has type %s, want %s", name, col.DataType(), want)
		}
		if !c.Nullable {
			if err := transforms.NotNull(col, name); err != nil {
				return nil, err
			}
		}
		out[j] = col
	}
	return out, nil
}

func codeOf(codes []string, v string) (uint8, bool) {
	for i, c := range codes {
		if v == c {
			return uint8(i), true
		}
	}
	return 0, false
}

func (s *sample) school(orgnr string) int32 {
	k, ok := s.orgnrIdx[orgnr]
	if !ok {
		k = int32(len(s.orgnrs))
		orgnr = strings.Clone(orgnr)
		s.orgnrIdx[orgnr] = k
		s.orgnrs = append(s.orgnrs, orgnr)
	}
	return k
}

// addEnrolments keeps the enrolments in the attribution grade in school
// years first-1 and first (the cohorts of spring first and first+1).
func (s *sample) addEnrolments(pos *rowIndex, b arrow.RecordBatch) error {
	start := pos.rows
	cols, err := columnsOf(b, "enrolments", "pupil_id", "school_year", "grade", "school_orgnr")
	if err != nil {
		return err
	}
	ids, years, grades, orgnrs := cols[0].(*array.String), cols[1].(*array.Int32), cols[2].(*array.Int32), cols[3].(*array.String)
	y0 := int32(s.first - 1)
	for i := range int(b.NumRows()) {
		y := years.Value(i)
		if grades.Value(i) != s.spec.attribGrade || (y != y0 && y != y0+1) {
			continue
		}
		c := uint8(y - y0)
		id := ids.Value(i)
		p, ok := s.pupilIdx[id]
		if !ok {
			p = int32(len(s.pupils))
			id = strings.Clone(id)
			s.pupilIdx[id] = p
			s.pupils = append(s.pupils, pupil{id: id, obs: [2]int32{-1, -1}, income: -1})
		}
		if o := s.pupils[p].obs[c]; o >= 0 {
			return fmt.Errorf("row %d: the pupil is enrolled in grade %d in school year %d also at %s",
				i+1, s.spec.attribGrade, y, pos.where(s.obs[o].enrolledAt))
		}
		s.pupils[p].obs[c] = int32(len(s.obs))
		s.obs = append(s.obs, observation{pupil: p, cohort: c, school: s.school(orgnrs.Value(i)), enrolledAt: start + int64(i)})
	}
	return nil
}

// addPupils keeps the background of the pupils enrolled in the cohorts.
func (s *sample) addPupils(_ *rowIndex, b arrow.RecordBatch) error {
	cols, err := columnsOf(b, "pupils", "pupil_id", "gender", "immigrant_background", "parent_education", "household_income")
	if err != nil {
		return err
	}
	ids := cols[0].(*array.String)
	gender, immig, educ := cols[1].(*array.String), cols[2].(*array.String), cols[3].(*array.String)
	income := cols[4].(*array.Int64)
	for i := range int(b.NumRows()) {
		k, ok := s.pupilIdx[ids.Value(i)]
		if !ok {
			continue
		}
		p := &s.pupils[k]
		if p.seen {
			return fmt.Errorf("row %d: a second row for the pupil", i+1)
		}
		p.seen = true
		if p.gender, ok = codeOf(microdata.Genders, gender.Value(i)); !ok {
			return fmt.Errorf("row %d: gender %q is not G or J", i+1, gender.Value(i))
		}
		if p.immig, ok = codeOf(microdata.ImmigrantBackgrounds, immig.Value(i)); !ok {
			return fmt.Errorf("row %d: immigrant_background %q is not one of %s", i+1, immig.Value(i), strings.Join(microdata.ImmigrantBackgrounds, ", "))
		}
		if p.educ, ok = codeOf(microdata.ParentEducations, educ.Value(i)); !ok {
			return fmt.Errorf("row %d: parent_education %q is not one of %s", i+1, educ.Value(i), strings.Join(microdata.ParentEducations, ", "))
		}
		if income.IsValid(i) {
			if p.income = income.Value(i); p.income < 0 {
				return fmt.Errorf("row %d: household_income %d is negative", i+1, p.income)
			}
		}
	}
	return nil
}

// lookup returns the observation of the pupil id in cohort c, or -1.
func (s *sample) lookup(id string, c uint8) int32 {
	if k, ok := s.pupilIdx[id]; ok {
		return s.pupils[k].obs[c]
	}
	return -1
}

// keep stores one value; an outcome of a pupil outside the cohort counts
// towards NoEnrolment.
func (s *sample) keep(id string, c uint8, g int32, x float64, global int64) {
	o := s.lookup(id, c)
	if o < 0 && s.groups[g].role == roleOutcome {
		if _, ok := s.noEnrol[c][id]; !ok {
			s.noEnrol[c][strings.Clone(id)] = struct{}{}
		}
	}
	s.values = append(s.values, value{obs: o, group: g, x: x, row: global})
}

// addTests keeps the participating scores of the outcome and prior test
// grades and years.
func (s *sample) addTests(pos *rowIndex, b arrow.RecordBatch) error {
	start := pos.rows
	cols, err := columnsOf(b, "national_tests", "pupil_id", "school_year", "grade", "subject", "status", "scale_score")
	if err != nil {
		return err
	}
	ids, years, grades := cols[0].(*array.String), cols[1].(*array.Int32), cols[2].(*array.Int32)
	subjects, statuses, scores := cols[3].(*array.String), cols[4].(*array.String), cols[5].(*array.Float64)
	for i := range int(b.NumRows()) {
		y, gr := int(years.Value(i)), grades.Value(i)
		var role uint8
		switch {
		case s.spec.outcomeGrade != 0 && gr == s.spec.outcomeGrade && (y == s.first || y == s.first+1):
			role = roleOutcome
		case s.spec.priorGrade != 0 && gr == s.spec.priorGrade && (y == s.first-3 || y == s.first-2):
			role = rolePrior
		default:
			continue
		}
		c := uint8(y - s.testYear(role, 0))
		subj, ok := codeOf(microdata.TestSubjects, subjects.Value(i))
		if !ok {
			return fmt.Errorf("row %d: subject %q is not one of %s", i+1, subjects.Value(i), strings.Join(microdata.TestSubjects, ", "))
		}
		status := statuses.Value(i)
		switch {
		case status == "participated" && scores.IsNull(i):
			return fmt.Errorf("row %d: status participated without a scale_score", i+1)
		case status == "participated":
		case status == "exempt" || status == "absent":
			if scores.IsValid(i) {
				return fmt.Errorf("row %d: status %s with a scale_score", i+1, status)
			}
			continue
		default:
			return fmt.Errorf("row %d: status %q is not participated, exempt or absent", i+1, status)
		}
		s.keep(ids.Value(i), c, testGroup(role, c, int(subj)), scores.Value(i), start+int64(i))
	}
	return nil
}

// addExams keeps the numeric written exam grades of school years first-1
// and first (level 8-10's outcomes).
func (s *sample) addExams(pos *rowIndex, b arrow.RecordBatch) error {
	start := pos.rows
	cols, err := columnsOf(b, "grades", "pupil_id", "school_year", "subject_code", "grade_type", "grade")
	if err != nil {
		return err
	}
	ids, years := cols[0].(*array.String), cols[1].(*array.Int32)
	subjects, types, grades := cols[2].(*array.String), cols[3].(*array.String), cols[4].(*array.String)
	y0 := int32(s.first - 1)
	for i := range int(b.NumRows()) {
		y := years.Value(i)
		if (y != y0 && y != y0+1) || types.Value(i) != "written_exam" {
			continue
		}
		c := uint8(y - y0)
		g := grades.Value(i)
		x, numeric := examGrade(g)
		switch {
		case numeric:
		case g == "IV" || g == "F" || g == "D":
			continue // not a grade: no value, no outcome
		default:
			return fmt.Errorf("row %d: grade %q is not 1-6, IV, F or D", i+1, g)
		}
		key := examKey{c, subjects.Value(i)}
		k, ok := s.examGroup[key]
		if !ok {
			k = int32(len(s.groups))
			key.subject = strings.Clone(key.subject)
			s.examGroup[key] = k
			s.groups = append(s.groups, group{
				name:   fmt.Sprintf("grades school_year %d, written_exam %s", y, key.subject),
				table:  "grades",
				role:   roleOutcome,
				cohort: c,
			})
		}
		s.keep(ids.Value(i), c, k, x, start+int64(i))
	}
	return nil
}

// examGrade is the value of a numeric exam grade, "1" to "6"; false for
// any other grade (IV, F and D are grades but not numeric).
func examGrade(g string) (float64, bool) {
	if len(g) == 1 && g[0] >= '1' && g[0] <= '6' {
		return float64(g[0] - '0'), true
	}
	return 0, false
}
