package sbi

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// ColumnNames lists every column a matrix of level l can have, in the order
// of Matrix.Names, before constant columns are dropped. The reference
// categories are the first code of each contract list (microdata.Genders,
// ImmigrantBackgrounds, ParentEducations): G, none and primary; and income
// decile 1. It returns nil for an unknown level.
func ColumnNames(l Level) []string {
	spec, err := l.spec()
	if err != nil {
		return nil
	}
	var names []string
	for _, g := range microdata.Genders[1:] {
		names = append(names, "gender_"+g)
	}
	for _, b := range microdata.ImmigrantBackgrounds[1:] {
		names = append(names, "immigrant_background_"+b)
	}
	for _, e := range microdata.ParentEducations[1:] {
		names = append(names, "parent_education_"+e)
	}
	for d := 2; d <= 10; d++ {
		names = append(names, fmt.Sprintf("income_decile_%d", d))
	}
	names = append(names, "income_unknown", "second_cohort")
	if spec.priorGrade != 0 {
		names = append(names, "prior", "prior_sq", "prior_missing")
	}
	return names
}

// fill writes the covariates of o, in ColumnNames order, into row.
func (s *sample) fill(o *observation, row []float64) {
	clear(row)
	p := &s.pupils[o.pupil]
	k := 0
	set := func(cond bool) {
		if cond {
			row[k] = 1
		}
		k++
	}
	for g := 1; g < len(microdata.Genders); g++ {
		set(int(p.gender) == g)
	}
	for b := 1; b < len(microdata.ImmigrantBackgrounds); b++ {
		set(int(p.immig) == b)
	}
	for e := 1; e < len(microdata.ParentEducations); e++ {
		set(int(p.educ) == e)
	}
	for d := int8(2); d <= 10; d++ {
		set(o.decile == d)
	}
	set(o.decile == 0)
	set(o.cohort == 1)
	if s.spec.priorGrade != 0 {
		if o.priorN > 0 {
			row[k], row[k+1] = o.priorZ, o.priorZ*o.priorZ
		}
		k += 2
		set(o.priorN == 0)
	}
}

// deciles ranks the known incomes of each cohort's sample (spec §1):
// decile = floor(10 (rank - 1) / n) + 1, rank = 1 + the number with a
// strictly lower income, n the number with a known income.
func (s *sample) deciles(in []int32) {
	for c := range uint8(2) {
		var known []int32
		for _, o := range in {
			if s.obs[o].cohort == c && s.pupils[s.obs[o].pupil].income >= 0 {
				known = append(known, o)
			}
		}
		income := func(o int32) int64 { return s.pupils[s.obs[o].pupil].income }
		slices.SortFunc(known, func(a, b int32) int { return cmp.Compare(income(a), income(b)) })
		n, rank := len(known), 1
		for j, o := range known {
			if j > 0 && income(o) != income(known[j-1]) {
				rank = j + 1
			}
			s.obs[o].decile = int8(10*(rank-1)/n + 1)
		}
	}
}

// matrix selects the sample, ranks the deciles, orders the rows and builds
// the columns.
func (s *sample) matrix(cfg Config) (*Matrix, error) {
	m := &Matrix{Level: cfg.Level, Window: cfg.Window}
	var in []int32
	var noBackground int
	enrolled := [2]int{}
	for i := range s.obs {
		o := &s.obs[i]
		enrolled[o.cohort]++
		if o.outN == 0 {
			m.Cohorts[o.cohort].NoOutcome++
			continue
		}
		if !s.pupils[o.pupil].seen {
			noBackground++
			continue
		}
		in = append(in, int32(i))
	}
	if noBackground > 0 {
		return nil, fmt.Errorf("reading pupils: %d pupil(s) of the sample have no row", noBackground)
	}
	for c := range m.Cohorts {
		m.Cohorts[c].SpringYear = cfg.Window.First + c
		m.Cohorts[c].NoEnrolment = len(s.noEnrol[c])
	}
	if len(in) == 0 {
		msg := "no pupils in the estimation sample"
		for c, ch := range m.Cohorts {
			y := ch.SpringYear
			msg += fmt.Sprintf("; spring %d: %d enrolled in grade %d in school year %d, none with an outcome, %d with an outcome but not enrolled",
				y, enrolled[c], s.spec.attribGrade, y-1, ch.NoEnrolment)
		}
		return nil, fmt.Errorf("%s", msg)
	}
	s.deciles(in)

	slices.SortFunc(in, func(a, b int32) int {
		oa, ob := &s.obs[a], &s.obs[b]
		return cmp.Or(cmp.Compare(s.orgnrs[oa.school], s.orgnrs[ob.school]),
			cmp.Compare(oa.cohort, ob.cohort),
			cmp.Compare(s.pupils[oa.pupil].id, s.pupils[ob.pupil].id))
	})

	names := ColumnNames(cfg.Level)
	n, k := len(in), len(names)
	cols := make([][]float64, k)
	for j := range cols {
		cols[j] = make([]float64, n)
	}
	m.Y, m.Raw = make([]float64, n), make([]float64, n)
	m.School, m.PupilID, m.Cohort = make([]int32, n), make([]string, n), make([]uint8, n)
	row := make([]float64, k)
	for i, oi := range in {
		o := &s.obs[oi]
		s.fill(o, row)
		for j, v := range row {
			cols[j][i] = v
		}
		m.Y[i], m.Raw[i] = o.outZ, o.outRaw
		m.PupilID[i], m.Cohort[i] = s.pupils[o.pupil].id, o.cohort
		if len(m.Schools) == 0 || m.Schools[len(m.Schools)-1] != s.orgnrs[o.school] {
			m.Schools = append(m.Schools, s.orgnrs[o.school])
			m.SchoolPupils = append(m.SchoolPupils, 0)
		}
		m.School[i] = int32(len(m.Schools) - 1)
		m.SchoolPupils[len(m.Schools)-1]++
		ch := &m.Cohorts[o.cohort]
		ch.Pupils++
		if s.spec.priorGrade != 0 && o.priorN == 0 {
			ch.MissingPrior++
		}
		if o.decile == 0 {
			ch.UnknownIncome++
		}
	}

	for j, col := range cols {
		if constant(col) {
			m.Dropped = append(m.Dropped, names[j])
			continue
		}
		m.Names = append(m.Names, names[j])
		m.X = append(m.X, col)
	}
	return m, nil
}

func constant(xs []float64) bool {
	for _, x := range xs[1:] {
		if x != xs[0] {
			return false
		}
	}
	return true
}
