package emulator

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/connectors/microdata"
	"github.com/skolestat/skolestat/internal/sim"
)

// The survey aggregates behind the Eksport emulation: per school, school
// year, grade and gender, what the rows of tables 148, 150 and 151 are
// computed from. A unit's numbers are sums over its schools, so that a
// municipality's score is the mean over its respondents, not over its
// schools (shared/spec/indicators.md §3).

// eksportItemIndex gives the index of each item: for sim.Items[i],
// its position in sim.SurveyIndices, or -1 (bullying, standalone).
var eksportItemIndex = func() []int {
	out := make([]int, len(sim.Items))
	for i, it := range sim.Items {
		out[i] = slices.IndexFunc(sim.SurveyIndices, func(x struct{ Code, Name string }) bool { return x.Code == it.Index })
	}
	return out
}()

// eksportIndexItems is the number of items of each index of
// sim.SurveyIndices, and eksportMinItems the answered items a respondent
// needs for a score: at least half, and at least one.
var eksportIndexItems, eksportMinItems = func() ([]int, []int) {
	n := make([]int, len(sim.SurveyIndices))
	for _, ix := range eksportItemIndex {
		if ix >= 0 {
			n[ix]++
		}
	}
	m := make([]int, len(n))
	for i, k := range n {
		m[i] = max(1, (k+1)/2)
	}
	return n, m
}()

// eksportMoments sums the respondent scores of one index.
type eksportMoments struct {
	N       int
	Sum, Sq float64
}

// eksportCell is what one school's respondents of one year, grade and
// gender answered.
type eksportCell struct {
	Respondents int
	Index       []eksportMoments // by sim.SurveyIndices
	// BullyAnswered counts the respondents who answered a bullying item,
	// Bullied those of them with an answer of 3 or more on one.
	BullyAnswered, Bullied int
	// Answers[item][a-1] counts the answers a (1..5) to sim.Items[item].
	Answers [][5]int
}

func newEksportCell() *eksportCell {
	return &eksportCell{Index: make([]eksportMoments, len(sim.SurveyIndices)), Answers: make([][5]int, len(sim.Items))}
}

func (c *eksportCell) add(o *eksportCell) {
	c.Respondents += o.Respondents
	for i := range c.Index {
		c.Index[i].N += o.Index[i].N
		c.Index[i].Sum += o.Index[i].Sum
		c.Index[i].Sq += o.Index[i].Sq
	}
	c.BullyAnswered += o.BullyAnswered
	c.Bullied += o.Bullied
	for i := range c.Answers {
		for a := range 5 {
			c.Answers[i][a] += o.Answers[i][a]
		}
	}
}

// Genders of the cells: boys, girls, not given.
const (
	eksportBoy = iota
	eksportGirl
	eksportNoGender
	eksportGenders
)

type eksportCellKey struct{ School, Year, Grade, Gender int }

type eksportEnrolKey struct{ School, Year, Grade int }

// eksportSurvey is the survey of the simulated nation, summed per school.
type eksportSurvey struct {
	cells    map[eksportCellKey]*eksportCell
	enrolled map[eksportEnrolKey]int
	years    []int  // with answers, newest first
	grades   []int  // with answers, ascending
	answered []bool // by school index: some respondent in some year
}

// loadEksportSurvey reads survey_responses and, for the years and grades
// it holds, the enrolments. A folder without survey_responses gives an
// empty survey. It relies on what the simulator writes: a respondent's
// answers are consecutive rows (a respondent met again after another is
// an error), answers are 1..5.
func loadEksportSurvey(ctx context.Context, dir string, schools map[string]int) (*eksportSurvey, error) {
	s := &eksportSurvey{cells: map[eksportCellKey]*eksportCell{}, enrolled: map[eksportEnrolKey]int{}, answered: make([]bool, len(schools))}
	itemAt := map[string]int{}
	for i, it := range sim.Items {
		itemAt[it.Code] = i
	}
	// The respondent being read.
	var (
		curID   string
		curYear int
		curKey  eksportCellKey
		answers = make([]int, len(sim.Items))
		seen    = map[string]bool{} // respondents of curYear already read
		years   = map[int]bool{}
		grades  = map[int]bool{}
	)
	flush := func() {
		if curID == "" {
			return
		}
		c := s.cells[curKey]
		if c == nil {
			c = newEksportCell()
			s.cells[curKey] = c
		}
		c.addRespondent(answers)
		s.answered[curKey.School] = true
		years[curKey.Year], grades[curKey.Grade] = true, true
		seen[curID] = true
		for i := range answers {
			answers[i] = 0
		}
	}
	err := microdata.Each(ctx, dir, "survey_responses", func(rec arrow.RecordBatch) error {
		id, year, org := rec.Column(0).(*array.String), rec.Column(1).(*array.Int32), rec.Column(2).(*array.String)
		grade, gender, item, answer := rec.Column(3).(*array.Int32), rec.Column(5).(*array.String), rec.Column(6).(*array.String), rec.Column(7).(*array.Int32)
		for i := range int(rec.NumRows()) {
			y := int(year.Value(i))
			if id.Value(i) != curID || y != curYear {
				flush()
				if y != curYear {
					clear(seen)
				}
				curID, curYear = strings.Clone(id.Value(i)), y
				if seen[curID] {
					return fmt.Errorf("respondent %s of %d: answers not together", curID, y)
				}
				si, ok := schools[org.Value(i)]
				if !ok {
					return fmt.Errorf("respondent %s: school %s is not in schools", curID, org.Value(i))
				}
				g := eksportNoGender
				if gender.IsValid(i) {
					g = map[string]int{"G": eksportBoy, "J": eksportGirl}[gender.Value(i)]
				}
				curKey = eksportCellKey{School: si, Year: y, Grade: int(grade.Value(i)), Gender: g}
			}
			it, ok := itemAt[item.Value(i)]
			if !ok || !answer.IsValid(i) {
				continue // an item the emulation does not know, or not answered
			}
			if a := int(answer.Value(i)); 1 <= a && a <= 5 {
				answers[it] = a
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, connectors.ErrStreamAbsent):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("reading the simulated survey: %w", err)
	}
	flush()
	for y := range years {
		s.years = append(s.years, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(s.years)))
	for g := range grades {
		s.grades = append(s.grades, g)
	}
	slices.Sort(s.grades)
	err = microdata.Each(ctx, dir, "enrolments", func(rec arrow.RecordBatch) error {
		year, grade, org := rec.Column(1).(*array.Int32), rec.Column(2).(*array.Int32), rec.Column(3).(*array.String)
		for i := range int(rec.NumRows()) {
			y, g := int(year.Value(i)), int(grade.Value(i))
			if !years[y] || !grades[g] {
				continue
			}
			if si, ok := schools[org.Value(i)]; ok {
				s.enrolled[eksportEnrolKey{si, y, g}]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the simulated enrolments: %w", err)
	}
	return s, nil
}

// addRespondent adds one respondent: answers[i] is the answer to
// sim.Items[i], 0 when not answered.
func (c *eksportCell) addRespondent(answers []int) {
	c.Respondents++
	var sums, counts [16]int // by index; sim has 10
	if len(sim.SurveyIndices) > len(sums) {
		panic("emulator: more survey indices than addRespondent holds")
	}
	bullyAnswered, bullied := false, false
	for i, a := range answers {
		if a == 0 {
			continue
		}
		c.Answers[i][a-1]++
		it := sim.Items[i]
		switch ix := eksportItemIndex[i]; {
		case it.Index == sim.BullyingIndex:
			bullyAnswered = true
			bullied = bullied || a >= 3
		case ix >= 0:
			if it.Reverse {
				a = 1 + 5 - a
			}
			sums[ix] += a
			counts[ix]++
		}
	}
	for ix := range sim.SurveyIndices {
		if counts[ix] >= eksportMinItems[ix] {
			v := float64(sums[ix]) / float64(counts[ix])
			c.Index[ix].N++
			c.Index[ix].Sum += v
			c.Index[ix].Sq += v * v
		}
	}
	if bullyAnswered {
		c.BullyAnswered++
		if bullied {
			c.Bullied++
		}
	}
}

// mean and sd of summed moments; sd is the sample standard deviation, NaN
// for fewer than two.
func (m eksportMoments) mean() float64 { return m.Sum / float64(m.N) }

func (m eksportMoments) sd() float64 {
	if m.N < 2 {
		return math.NaN()
	}
	n := float64(m.N)
	v := (m.Sq - m.Sum*m.Sum/n) / (n - 1)
	return math.Sqrt(max(v, 0))
}

// sum adds up the cells of schools in year and grade, for the owner
// (nil keep: all schools) and gender (-1: all, with those not given).
func (s *eksportSurvey) sum(schools []int, public []bool, keep func(bool) bool, year, grade, gender int) (*eksportCell, int) {
	out := newEksportCell()
	enrolled := 0
	for _, si := range schools {
		if keep != nil && !keep(public[si]) {
			continue
		}
		for g := range eksportGenders {
			if gender >= 0 && g != gender {
				continue
			}
			if c := s.cells[eksportCellKey{si, year, grade, g}]; c != nil {
				out.add(c)
			}
		}
		enrolled += s.enrolled[eksportEnrolKey{si, year, grade}]
	}
	return out, enrolled
}
