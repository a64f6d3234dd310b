package sim

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// Levels of the school contribution indicators.
var Levels = [3]string{"1-4", "5-7", "8-10"}

// effects are the true school effects: u[school][level][spring year - first].
type effects struct {
	first, last int // spring years covered
	u           [][3][]float64
	taught      [][3]bool
}

// drawEffects draws, per school and level taught, an AR(1) over the spring
// years first..last: u[Y] = rho*u[Y-1] + sqrt(1-rho²)*tau*w[Y], started at
// its stationary distribution, with innovations w correlated across levels.
func drawEffects(seed uint64, schools []School, m *Model, first, last int) *effects {
	e := &effects{first: first, last: last, u: make([][3][]float64, len(schools)), taught: make([][3]bool, len(schools))}
	g := newRNG(seed)
	years := last - first + 1
	c := math.Sqrt(m.LevelCorr)
	own := math.Sqrt(1 - m.LevelCorr)
	inn := math.Sqrt(1 - m.Rho*m.Rho)
	for si, s := range schools {
		r := g.reset(streamEffects, uint64(si))
		e.taught[si] = [3]bool{s.GradeFrom <= 4, s.GradeFrom <= 7 && s.GradeTo >= 7, s.GradeTo >= 10 && s.GradeFrom <= 8}
		var prev [3]float64
		for l := range 3 {
			e.u[si][l] = make([]float64, years)
		}
		for y := range years {
			shared := r.NormFloat64()
			for l := range 3 {
				w := c*shared + own*r.NormFloat64()
				if y == 0 {
					prev[l] = m.Tau[l] * w
				} else {
					prev[l] = m.Rho*prev[l] + inn*m.Tau[l]*w
				}
				if e.taught[si][l] {
					e.u[si][l][y] = prev[l]
				}
			}
		}
	}
	return e
}

// at returns the effect of school s at level l on the cohort of spring year
// y; 0 for no school or a level the school does not teach.
func (e *effects) at(s int32, l, y int) float64 {
	if s < 0 || y < e.first || y > e.last {
		return 0
	}
	return e.u[s][l][y-e.first]
}

// truthAcc accumulates the true effect in outcome units per school, level and
// cohort over the pupils the SBI rule attributes to the school.
type truthAcc struct {
	first int
	sum   [][3][]float64
	n     [][3][]int64
}

func newTruthAcc(schools, first, last int) *truthAcc {
	t := &truthAcc{first: first, sum: make([][3][]float64, schools), n: make([][3][]int64, schools)}
	for s := range schools {
		for l := range 3 {
			t.sum[s][l] = make([]float64, last-first+1)
			t.n[s][l] = make([]int64, last-first+1)
		}
	}
	return t
}

func (t *truthAcc) add(s int32, l, y int, v float64) {
	t.sum[s][l][y-t.first] += v
	t.n[s][l][y-t.first]++
}

// finishStats computes the mean and the sample SD (n-1) of xs in two
// passes; NaN for fewer than two values.
func finishStats(xs []float64) (mean, sd float64) {
	if len(xs) < 2 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// yearGen generates the records of one school year.
type yearGen struct {
	seed    uint64
	model   *Model
	nation  *nation
	pop     *population
	effects *effects
	truth   *truthAcc
	first   int // first school year written
	g       *rng
	enrol   *sink
	tests   *sink
	grades  *sink
}

// testTaker is a pupil's scores in one test year (NaN = no score).
type testTaker struct {
	idx    int
	status [3]int // indexes into microdata.TestStatuses
	scores [3]float64
	u      float64 // school effect on the pupil's latent (attributed school)
	attrib int32   // attributed school, -1 none
}

// testSubjects are the national test subjects: english, reading, numeracy.
var testSubjects = microdata.TestSubjects

// year writes the enrolments, national tests and grades of school year y,
// and accumulates the truth of the cohorts it completes.
func (yg *yearGen) year(ctx context.Context, y int) error {
	pupils := yg.pop.pupils
	var t5, t8 []testTaker
	var t9 []int
	var g10 []int
	for i := range pupils {
		p := &pupils[i]
		s := p.schoolIn(y)
		if s < 0 {
			continue
		}
		yg.enrol.id(0, 'E', pupilKey(yg.seed, i))
		yg.enrol.i32(1, y)
		yg.enrol.i32(2, p.grade(y))
		yg.enrol.code(3, int(s))
		if err := yg.enrol.endRow(); err != nil {
			return err
		}
		switch p.grade(y) {
		case 5:
			t5 = append(t5, testTaker{idx: i})
		case 8:
			t8 = append(t8, testTaker{idx: i})
		case 9:
			t9 = append(t9, i)
		case 10:
			g10 = append(g10, i)
		}
		if i%65536 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if err := yg.testYear(y, 5, t5); err != nil {
		return err
	}
	if err := yg.testYear(y, 8, t8); err != nil {
		return err
	}
	if err := yg.grade9(y, t9); err != nil {
		return err
	}
	return yg.grade10(y, g10)
}

// Test statuses, indexes into microdata.TestStatuses.
const (
	participated = iota
	exempt
	absent
)

// testStatus draws a test status: exempt (more often for newly arrived
// pupils), absent, or participated.
func testStatus(r *rand.Rand, m *Model, p *pupil, g int) int {
	ex := m.TestExempt
	if p.newlyArrived(g) {
		ex = m.TestExemptNew
	}
	switch u := r.Float64(); {
	case u < ex:
		return exempt
	case u < ex+m.TestAbsent:
		return absent
	}
	return participated
}

// writeTest writes one national test row; subj indexes testSubjects.
func (yg *yearGen) writeTest(idx, y, grade, subj int, school int32, status int, score float64) error {
	t := yg.tests
	t.id(0, 'E', pupilKey(yg.seed, idx))
	t.i32(1, y)
	t.i32(2, grade)
	t.code(3, subj)
	t.code(4, int(school))
	t.code(5, status)
	t.f64(6, score)
	return t.endRow()
}

// roundScore rounds a scale score to one decimal.
func roundScore(x float64) float64 { return math.Round(x*10) / 10 }

// standardise computes, per subject, the realised mean and SD of the scores
// of a test year, and returns each taker's mean z over the subjects present
// (NaN when none) and the mean of 1/sd over them.
func standardise(takers []testTaker) (meanZ, invSD []float64) {
	var stats [3][2]float64
	for s := range 3 {
		var xs []float64
		for _, t := range takers {
			if !math.IsNaN(t.scores[s]) {
				xs = append(xs, t.scores[s])
			}
		}
		stats[s][0], stats[s][1] = finishStats(xs)
	}
	meanZ, invSD = make([]float64, len(takers)), make([]float64, len(takers))
	for i, t := range takers {
		var z, inv float64
		k := 0
		for s := range 3 {
			if math.IsNaN(t.scores[s]) {
				continue
			}
			z += (t.scores[s] - stats[s][0]) / stats[s][1]
			inv += 1 / stats[s][1]
			k++
		}
		if k == 0 {
			meanZ[i], invSD[i] = math.NaN(), math.NaN()
			continue
		}
		meanZ[i], invSD[i] = z/float64(k), inv/float64(k)
	}
	return meanZ, invSD
}

// testYear writes the grade-5 or grade-8 tests of school year y: the
// outcome of level 1-4 (grade 5) or 5-7 (grade 8) for the cohort of spring
// y, attributed to the school of grade 4 or 7 in y-1. First the statuses
// and so the SBI sample (attributed, in the years written, with a score)
// are drawn, so that the income decile of a pupil in the sample is the one
// the estimator computes, within that sample; then the latents and scores.
//
// Grade 5: eta = bg_0 + Ability5 a + u. Grade 8: eta = bg_1 + u +
// b1 prior5 + b2 prior5² + N(0, Noise8²) with the observed prior (the mean z
// of the pupil's grade-5 tests of y-3 in the data), or bg_1 + u + b_miss +
// N(0, Noise8Miss²) without one.
func (yg *yearGen) testYear(y, grade int, takers []testTaker) error {
	m := yg.model
	l, bg := 0, &m.Background[0]
	if grade == 8 {
		l, bg = 1, &m.Background[1]
	}
	sample := make([]bool, len(takers))
	for k := range takers {
		t := &takers[k]
		p := &yg.pop.pupils[t.idx]
		r := yg.g.reset(streamTests, uint64(t.idx)<<5|uint64(grade)<<1)
		t.attrib = p.school[grade-2]
		any := false
		for s := range testSubjects {
			t.status[s] = testStatus(r, m, p, grade)
			any = any || t.status[s] == participated
		}
		sample[k] = any && t.attrib >= 0 && y-1 >= yg.first
	}
	deciles := sampleDeciles(yg.pop.pupils, func(k int) (int, bool) { return takers[k].idx, sample[k] }, len(takers))
	for k := range takers {
		t := &takers[k]
		p := &yg.pop.pupils[t.idx]
		r := yg.g.reset(streamTests, uint64(t.idx)<<5|uint64(grade)<<1|1)
		t.u = yg.effects.at(t.attrib, l, y)
		eta := bg.effect(p, deciles[k]) + t.u
		if grade == 5 {
			eta += m.Ability5 * float64(p.ability)
		} else if prior := p.prior5; !math.IsNaN(prior) {
			eta += m.Prior8[0]*prior + m.Prior8[1]*prior*prior + m.Noise8*r.NormFloat64()
		} else {
			eta += m.Prior8[2] + m.Noise8Miss*r.NormFloat64()
		}
		if grade == 8 {
			p.eta8 = float32(eta)
		}
		school := p.schoolIn(y)
		for s := range testSubjects {
			t.scores[s] = math.NaN()
			e := m.SubjectNoise * r.NormFloat64()
			if t.status[s] == participated {
				t.scores[s] = roundScore(50 + 10*(eta+e))
			}
			if err := yg.writeTest(t.idx, y, grade, s, school, t.status[s], t.scores[s]); err != nil {
				return err
			}
		}
	}
	z, inv := standardise(takers)
	for k, t := range takers {
		p := &yg.pop.pupils[t.idx]
		if grade == 5 {
			p.prior5 = z[k]
		} else {
			p.prior8 = z[k]
		}
		if sample[k] {
			yg.truth.add(t.attrib, l, y, t.u*10*inv[k])
		}
	}
	return nil
}

// sampleDeciles returns the income decile (0 unknown) of each of n pupils,
// the k-th being pupil(k): for those in the SBI sample, ranked within the
// sample as the estimator does (shared/spec/indicators.md §1:
// floor(10*(rank-1)/n)+1, rank 1 + the number with a strictly lower
// income); for the others, within their birth cohort.
func sampleDeciles(pupils []pupil, pupil func(k int) (idx int, inSample bool), n int) []int8 {
	out := make([]int8, n)
	var ks []int
	for k := range n {
		idx, in := pupil(k)
		switch {
		case !in:
			out[k] = pupils[idx].decile
		case pupils[idx].income >= 0:
			ks = append(ks, k)
		}
	}
	income := func(k int) int64 {
		idx, _ := pupil(k)
		return pupils[idx].income
	}
	slices.SortFunc(ks, func(a, b int) int { return cmp.Compare(income(a), income(b)) })
	rank := 1
	for j, k := range ks {
		if j > 0 && income(k) != income(ks[j-1]) {
			rank = j + 1
		}
		out[k] = int8(10*(rank-1)/len(ks) + 1)
	}
	return out
}

// grade9 writes the grade-9 tests (reading, numeracy): the grade-8 latent
// plus growth.
func (yg *yearGen) grade9(y int, takers []int) error {
	m := yg.model
	scale := math.Sqrt(1 + m.Growth9*m.Growth9)
	for _, idx := range takers {
		p := &yg.pop.pupils[idx]
		r := yg.g.reset(streamTests, uint64(idx)<<5|9<<1)
		eta := float64(p.eta8)
		if math.IsNaN(eta) { // grade 8 was before the first year written
			eta = m.Background[1].effect(p, p.decile) + m.Prior8[2] + m.Noise8Miss*r.NormFloat64()
		}
		eta += m.Growth9 * r.NormFloat64()
		school := p.schoolIn(y)
		for subj := 1; subj < len(testSubjects); subj++ { // reading, numeracy
			st := testStatus(r, m, p, 9)
			e := m.SubjectNoise * r.NormFloat64()
			score := math.NaN()
			if st == participated {
				score = roundScore(50 + 10*(eta+e)/scale)
			}
			if err := yg.writeTest(idx, y, 9, subj, school, st, score); err != nil {
				return err
			}
		}
	}
	return nil
}

// examTaker is a pupil's written exam, for the truth of level 8-10.
type examTaker struct {
	subject int     // position in the curriculum's written exam subjects
	grade   int     // 0 when not numeric
	m       float64 // systematic latent without the school effect
	u       float64
	noise   float64 // SD of the pupil noise of the grade-10 latent
	school  int32
}

// Grade values, indexes into microdata.GradeValues: 0-5 are the grades 1-6.
const (
	gradeIV = 6 + iota
	gradeF
	gradeD
)

// Grade types, indexes into microdata.GradeTypes.
const (
	standpunkt = iota
	writtenExam
	oralExam
)

// nonNumeric draws IV (not assessed) or F (exempt; for more than half the
// subjects of pupils who arrived in grade 8 or later), or -1 for a numeric
// grade.
func nonNumeric(r *rand.Rand, m *Model, newlyArrived bool) int {
	switch u := r.Float64(); {
	case newlyArrived && u < m.GradeFNew:
		return gradeF
	case u < m.GradeF:
		return gradeF
	case u < m.GradeF+m.GradeIV:
		return gradeIV
	}
	return -1
}

// grade10 writes the grade-10 diploma of school year y: standpunkt in every
// subject, one written and one oral exam (none in cancelled years), and
// accumulates the truth of level 8-10, cohort spring y+1. First the written
// exam's subject and whether its grade is numeric are drawn, which settles
// the SBI sample (a numeric written exam grade) and so the income deciles
// of its pupils; then the grade-10 latent m_i + u + N(0, noise²), with m_i =
// bg_2 + d1 prior8 + d2 prior8² (prior observed) or bg_2 + d_miss.
func (yg *yearGen) grade10(y int, pupils []int) error {
	m := yg.model
	d := curriculum(y, m)
	cancelled := m.examCancelled(y)
	written := make([]int, len(pupils)) // position in d.written
	wgrade := make([]int, len(pupils))  // -1 numeric, or IV or F
	for k, idx := range pupils {
		r := yg.g.reset(streamExams, uint64(idx))
		written[k] = r.IntN(len(d.written))
		wgrade[k] = nonNumeric(r, m, int(yg.pop.pupils[idx].arrive) >= m.NewlyArrivedMin)
	}
	deciles := sampleDeciles(yg.pop.pupils, func(k int) (int, bool) {
		return pupils[k], !cancelled && wgrade[k] < 0
	}, len(pupils))
	var exams []examTaker
	for k, idx := range pupils {
		p := &yg.pop.pupils[idx]
		r := yg.g.reset(streamGrades, uint64(idx))
		school := p.schoolIn(y)
		u := yg.effects.at(school, 2, y+1)
		sys := m.Background[2].effect(p, deciles[k])
		noise := m.Noise10
		if prior := p.prior8; !math.IsNaN(prior) {
			sys += m.Prior10[0]*prior + m.Prior10[1]*prior*prior
		} else {
			sys += m.Prior10[2]
			noise = m.Noise10Miss
		}
		eta := sys + u + noise*r.NormFloat64()
		newly := int(p.arrive) >= m.NewlyArrivedMin
		write := func(code, typ, grade int) error {
			gs := yg.grades
			gs.id(0, 'E', pupilKey(yg.seed, idx))
			gs.i32(1, y)
			gs.code(2, int(school))
			gs.code(3, code)
			gs.code(4, typ)
			gs.code(5, grade)
			return gs.endRow()
		}
		standpunktGrade := func(code int, offset float64) error {
			g := nonNumeric(r, m, newly)
			if g < 0 {
				g = cut(eta+offset+m.StandpunktNoise*r.NormFloat64(), &m.StandpunktCuts) - 1
			}
			return write(code, standpunkt, g)
		}
		for c, s := range d.common {
			if err := standpunktGrade(d.commonIdx[c], s.offset); err != nil {
				return err
			}
		}
		c := r.IntN(len(d.choice))
		if err := standpunktGrade(d.choiceIdx[c], d.choice[c].offset); err != nil {
			return err
		}
		if y < m.ValgfagNumeric {
			if err := write(d.valgfagIdx, standpunkt, gradeD); err != nil {
				return err
			}
		} else if err := standpunktGrade(d.valgfagIdx, d.valgfag.offset); err != nil {
			return err
		}
		if cancelled {
			continue
		}
		ex := examTaker{subject: written[k], m: sys, u: u, noise: noise, school: school}
		g := wgrade[k]
		if g < 0 {
			ex.grade = cut(eta+m.ExamNoise*r.NormFloat64(), &m.ExamCuts)
			g = ex.grade - 1
			exams = append(exams, ex)
		}
		if err := write(d.commonIdx[d.written[ex.subject]], writtenExam, g); err != nil {
			return err
		}
		oral := d.oral[r.IntN(len(d.oral))]
		g = nonNumeric(r, m, newly)
		if g < 0 {
			g = cut(eta+m.OralNoise*r.NormFloat64(), &m.OralCuts) - 1
		}
		if err := write(d.commonIdx[oral], oralExam, g); err != nil {
			return err
		}
	}
	yg.examTruth(y, exams)
	return nil
}

// examTruth adds each exam taker's true effect: the change of the expected
// written exam grade that the school effect makes, given the pupil's
// systematic latent and the noise (pupil and exam), divided by the realised
// SD of the written exam grades of the year and subject.
func (yg *yearGen) examTruth(y int, exams []examTaker) {
	m := yg.model
	var bySubject [3][]float64 // by position in the written exam subjects
	for _, e := range exams {
		bySubject[e.subject] = append(bySubject[e.subject], float64(e.grade))
	}
	var sds [3]float64
	for s, xs := range bySubject {
		_, sds[s] = finishStats(xs)
	}
	for _, e := range exams {
		noise := math.Hypot(e.noise, m.ExamNoise)
		eff := (expectedGrade(e.m+e.u, noise, &m.ExamCuts) - expectedGrade(e.m, noise, &m.ExamCuts)) / sds[e.subject]
		yg.truth.add(e.school, 2, y+1, eff)
	}
}
