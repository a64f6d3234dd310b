package sim

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
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
	seed     uint64
	model    *Model
	nation   *nation
	pop      *population
	effects  *effects
	truth    *truthAcc
	first    int  // first school year written
	writing  bool // false while simulating the years before first, which only feed priors
	g        *rng
	enrol    *sink
	tests    *sink
	grades   *sink
	survey   *sink
	surveyOn func(year int) bool
	sv       *surveyGen
}

// testTaker is a pupil's scores in one test year (NaN = no score).
type testTaker struct {
	idx    int
	scores [3]float64
	u      float64 // school effect on the pupil's latent (attributed school)
	attrib int32   // attributed school, -1 none
}

var testSubjects = [3]string{"english", "reading", "numeracy"}

// year writes enrolments, national tests, grades and survey answers of
// school year y, and accumulates the truth of the cohorts it completes.
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
		if yg.writing {
			yg.enrol.str(0, pupilID(yg.seed, i))
			yg.enrol.i32(1, y)
			yg.enrol.i32(2, p.grade(y))
			yg.enrol.str(3, yg.nation.Schools[s].Orgnr)
			if err := yg.enrol.flushIfFull(); err != nil {
				return err
			}
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
	if err := yg.grade5(y, t5); err != nil {
		return err
	}
	if err := yg.grade8(y, t8); err != nil {
		return err
	}
	if err := yg.grade9(y, t9); err != nil {
		return err
	}
	if err := yg.grade10(y, g10); err != nil {
		return err
	}
	if yg.writing && yg.surveyOn(y) {
		return yg.sv.year(y)
	}
	return nil
}

// status draws a test status: exempt (more often for newly arrived pupils),
// absent, or participated.
func testStatus(r *rand.Rand, p *pupil, g int) string {
	exempt := 0.03
	if p.newlyArrived(g) {
		exempt = 0.5
	}
	switch u := r.Float64(); {
	case u < exempt:
		return "exempt"
	case u < exempt+0.02:
		return "absent"
	}
	return "participated"
}

// writeTest writes one national test row.
func (yg *yearGen) writeTest(idx, y, grade int, subj string, school int32, status string, score float64) error {
	if !yg.writing {
		return nil
	}
	t := yg.tests
	t.str(0, pupilID(yg.seed, idx))
	t.i32(1, y)
	t.i32(2, grade)
	t.str(3, subj)
	t.str(4, yg.nation.Schools[school].Orgnr)
	t.str(5, status)
	t.f64(6, score)
	return t.flushIfFull()
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

// grade5 writes the grade-5 tests of school year y (the outcome of level
// 1-4, cohort spring y, attributed to the grade-4 school of y-1).
func (yg *yearGen) grade5(y int, takers []testTaker) error {
	m := yg.model
	for k := range takers {
		t := &takers[k]
		p := &yg.pop.pupils[t.idx]
		r := yg.g.reset(streamTests, uint64(t.idx)<<4|5)
		t.attrib = p.school[3]
		t.u = yg.effects.at(t.attrib, 0, y)
		eta := m.Background[0].effect(p) + m.Ability5*float64(p.ability) + t.u
		school := p.schoolIn(y)
		for s, subj := range testSubjects {
			t.scores[s] = math.NaN()
			st := testStatus(r, p, 5)
			e := m.SubjectNoise * r.NormFloat64()
			if st == "participated" {
				t.scores[s] = roundScore(50 + 10*(eta+e))
			}
			if err := yg.writeTest(t.idx, y, 5, subj, school, st, t.scores[s]); err != nil {
				return err
			}
		}
	}
	z, inv := standardise(takers)
	for k, t := range takers {
		p := &yg.pop.pupils[t.idx]
		p.prior5 = float32(z[k])
		if t.attrib >= 0 && y-1 >= yg.first && !math.IsNaN(z[k]) {
			yg.truth.add(t.attrib, 0, y, t.u*10*inv[k])
		}
	}
	return nil
}

// grade8 writes the grade-8 tests of school year y (the outcome of level
// 5-7, cohort spring y, attributed to the grade-7 school of y-1). The
// latent is linear in the observed prior: the mean z of the pupil's grade-5
// tests of y-3, with its square, or the missing-prior shift.
func (yg *yearGen) grade8(y int, takers []testTaker) error {
	m := yg.model
	for k := range takers {
		t := &takers[k]
		p := &yg.pop.pupils[t.idx]
		r := yg.g.reset(streamTests, uint64(t.idx)<<4|8)
		t.attrib = p.school[6]
		t.u = yg.effects.at(t.attrib, 1, y)
		eta := m.Background[1].effect(p) + t.u
		if prior := float64(p.prior5); !math.IsNaN(prior) {
			eta += m.Prior8[0]*prior + m.Prior8[1]*prior*prior + m.Noise8*r.NormFloat64()
		} else {
			eta += m.Prior8[2] + m.Noise8Miss*r.NormFloat64()
		}
		p.eta8 = float32(eta)
		school := p.schoolIn(y)
		for s, subj := range testSubjects {
			t.scores[s] = math.NaN()
			st := testStatus(r, p, 8)
			e := m.SubjectNoise * r.NormFloat64()
			if st == "participated" {
				t.scores[s] = roundScore(50 + 10*(eta+e))
			}
			if err := yg.writeTest(t.idx, y, 8, subj, school, st, t.scores[s]); err != nil {
				return err
			}
		}
	}
	z, inv := standardise(takers)
	for k, t := range takers {
		p := &yg.pop.pupils[t.idx]
		p.prior8 = float32(z[k])
		if t.attrib >= 0 && y-1 >= yg.first && !math.IsNaN(z[k]) {
			yg.truth.add(t.attrib, 1, y, t.u*10*inv[k])
		}
	}
	return nil
}

// grade9 writes the grade-9 tests (reading, numeracy): the grade-8 latent
// plus growth.
func (yg *yearGen) grade9(y int, takers []int) error {
	m := yg.model
	scale := math.Sqrt(1 + m.Growth9*m.Growth9)
	for _, idx := range takers {
		p := &yg.pop.pupils[idx]
		r := yg.g.reset(streamTests, uint64(idx)<<4|9)
		eta := float64(p.eta8)
		if math.IsNaN(eta) { // grade 8 was before the first year written
			eta = m.Background[1].effect(p) + m.Prior8[2] + m.Noise8Miss*r.NormFloat64()
		}
		eta += m.Growth9 * r.NormFloat64()
		school := p.schoolIn(y)
		for _, subj := range testSubjects[1:] {
			st := testStatus(r, p, 9)
			e := m.SubjectNoise * r.NormFloat64()
			score := math.NaN()
			if st == "participated" {
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
	subject string
	grade   int     // 0 when not numeric
	m       float64 // systematic latent without the school effect
	u       float64
	noise   float64 // SD of the pupil noise of the grade-10 latent
	school  int32
}

// grade10 writes the grade-10 diploma of school year y: standpunkt in every
// subject, one written and one oral exam (none in cancelled years), and
// accumulates the truth of level 8-10, cohort spring y+1.
func (yg *yearGen) grade10(y int, pupils []int) error {
	m := yg.model
	d := curriculum(y)
	cancelled := m.examCancelled(y)
	var exams []examTaker
	for _, idx := range pupils {
		p := &yg.pop.pupils[idx]
		r := yg.g.reset(streamGrades, uint64(idx))
		school := p.schoolIn(y)
		u := yg.effects.at(school, 2, y+1)
		sys := m.Background[2].effect(p)
		noise := m.Noise10
		if prior := float64(p.prior8); !math.IsNaN(prior) {
			sys += m.Prior10[0]*prior + m.Prior10[1]*prior*prior
		} else {
			sys += m.Prior10[2]
			noise = m.Noise10Miss
		}
		eta := sys + u + noise*r.NormFloat64()
		newly := p.arrive >= 8
		// nonNumeric draws IV (not assessed) or F (exempt; often for newly
		// arrived pupils), or "" for a numeric grade.
		nonNumeric := func() string {
			switch u := r.Float64(); {
			case newly && u < 0.55:
				return "F"
			case u < 0.003:
				return "F"
			case u < 0.008:
				return "IV"
			}
			return ""
		}
		write := func(code, typ, grade string) error {
			if !yg.writing {
				return nil
			}
			gs := yg.grades
			gs.str(0, pupilID(yg.seed, idx))
			gs.i32(1, y)
			gs.str(2, yg.nation.Schools[school].Orgnr)
			gs.str(3, code)
			gs.str(4, typ)
			gs.str(5, grade)
			return gs.flushIfFull()
		}
		standpunkt := func(s subject) error {
			g := nonNumeric()
			if g == "" {
				g = strconv.Itoa(cut(eta+s.offset+m.StandpunktNoise*r.NormFloat64(), &m.StandpunktCuts))
			}
			return write(s.code, "standpunkt", g)
		}
		for _, s := range d.common {
			if err := standpunkt(s); err != nil {
				return err
			}
		}
		if err := standpunkt(d.choice[r.IntN(len(d.choice))]); err != nil {
			return err
		}
		if y < d.gradedVF {
			if err := write(d.valgfag.code, "standpunkt", "D"); err != nil {
				return err
			}
		} else if err := standpunkt(d.valgfag); err != nil {
			return err
		}
		if cancelled {
			continue
		}
		ex := examTaker{subject: d.written[r.IntN(len(d.written))], m: sys, u: u, noise: noise, school: school}
		g := nonNumeric()
		if g == "" {
			ex.grade = cut(eta+m.ExamNoise*r.NormFloat64(), &m.ExamCuts)
			g = strconv.Itoa(ex.grade)
		}
		if err := write(ex.subject, "written_exam", g); err != nil {
			return err
		}
		if ex.grade > 0 {
			exams = append(exams, ex)
		}
		oral := d.oral[r.IntN(len(d.oral))]
		g = nonNumeric()
		if g == "" {
			g = strconv.Itoa(cut(eta+m.OralNoise*r.NormFloat64(), &m.OralCuts))
		}
		if err := write(oral, "oral_exam", g); err != nil {
			return err
		}
	}
	if y >= yg.first {
		yg.examTruth(y, exams)
	}
	return nil
}

// examTruth adds each exam taker's true effect: the change of the expected
// written exam grade that the school effect makes, given the pupil's
// systematic latent and the noise (pupil and exam), divided by the realised
// SD of the written exam grades of the year and subject.
func (yg *yearGen) examTruth(y int, exams []examTaker) {
	m := yg.model
	bySubject := map[string][]float64{}
	for _, e := range exams {
		bySubject[e.subject] = append(bySubject[e.subject], float64(e.grade))
	}
	sds := map[string]float64{}
	for s, xs := range bySubject {
		_, sds[s] = finishStats(xs)
	}
	for _, e := range exams {
		noise := math.Hypot(e.noise, m.ExamNoise)
		eff := (expectedGrade(e.m+e.u, noise, &m.ExamCuts) - expectedGrade(e.m, noise, &m.ExamCuts)) / sds[e.subject]
		yg.truth.add(e.school, 2, y+1, eff)
	}
}
