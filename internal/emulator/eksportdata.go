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
	// Strings come as dictionaries (microdata.Scan): each is mapped once
	// per entry, not once per row. A respondent's rows are told apart by
	// their entry within a record, and by id across records.
	var (
		words                          []string
		local                          = map[string]int32{}
		respK, schoolK, genderK, itemK []int32
	)
	word := func(s string) int32 {
		if k, ok := local[s]; ok {
			return k
		}
		k := int32(len(words))
		words = append(words, s)
		local[s] = k
		return k
	}
	unknownSchool := ""
	school := func(org string) int32 {
		if si, ok := schools[org]; ok {
			return int32(si)
		}
		unknownSchool = strings.Clone(org)
		return -2
	}
	genderOf := func(g string) int32 {
		switch g {
		case "G":
			return eksportBoy
		case "J":
			return eksportGirl
		}
		return eksportNoGender
	}
	item := func(code string) int32 {
		if it, ok := itemAt[code]; ok {
			return int32(it)
		}
		return -1 // an item the emulation does not know
	}
	cols := []string{"respondent_id", "school_year", "school_orgnr", "grade", "gender", "item_code", "answer"}
	err := microdata.Scan(ctx, dir, "survey_responses", cols, func(c []arrow.Array) error {
		words = words[:0]
		clear(local)
		prevK := int32(-1)
		respK = microdata.MapStrings(c[0], word, respK)
		schoolK = microdata.MapStrings(c[2], school, schoolK)
		genderK = microdata.MapStrings(c[4], genderOf, genderK)
		itemK = microdata.MapStrings(c[5], item, itemK)
		year, grade, answer := c[1].(*array.Int32), c[3].(*array.Int32), c[6].(*array.Int32)
		for i := range c[0].Len() {
			y := int(year.Value(i))
			if k := respK[i]; k != prevK || y != curYear {
				if k < 0 {
					return errors.New("a survey answer without respondent_id")
				}
				if prevK >= 0 || words[k] != curID || y != curYear {
					flush()
					if y != curYear {
						clear(seen)
					}
					// Clone: a dictionary's strings live in the record's memory.
					curID, curYear = strings.Clone(words[k]), y
					if seen[curID] {
						return fmt.Errorf("respondent %s of %d: answers not together", curID, y)
					}
					if schoolK[i] < 0 {
						return fmt.Errorf("respondent %s: school %s is not in schools", curID, unknownSchool)
					}
					g := int(genderK[i])
					if g < 0 {
						g = eksportNoGender // not given (null)
					}
					curKey = eksportCellKey{School: int(schoolK[i]), Year: y, Grade: int(grade.Value(i)), Gender: g}
				}
				prevK = k
			}
			if itemK[i] < 0 || !answer.IsValid(i) {
				continue // an item the emulation does not know, or not answered
			}
			if a := int(answer.Value(i)); 1 <= a && a <= 5 {
				answers[itemK[i]] = a
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
	var orgK []int32
	schoolOrNone := func(org string) int32 {
		if si, ok := schools[org]; ok {
			return int32(si)
		}
		return -1
	}
	err = microdata.Scan(ctx, dir, "enrolments", []string{"school_year", "grade", "school_orgnr"}, func(c []arrow.Array) error {
		year, grade := c[0].(*array.Int32), c[1].(*array.Int32)
		orgK = microdata.MapStrings(c[2], schoolOrNone, orgK)
		for i := range c[0].Len() {
			y, g := int(year.Value(i)), int(grade.Value(i))
			if !years[y] || !grades[g] || orgK[i] < 0 {
				continue
			}
			s.enrolled[eksportEnrolKey{int(orgK[i]), y, g}]++
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
