package sim

import (
	"math"
	"math/rand/v2"
	"sort"
)

const (
	immNone uint8 = iota
	immImmigrant
	immNorwegianBorn
)

// pupil is one simulated pupil: background, career and the results the
// later years need. Kept small: there are about 1.2 million at scale 1.0.
type pupil struct {
	entry   int16 // school year of grade 1
	arrive  int8  // first grade in the country (1 = from the start)
	leave   int8  // last grade in the country (10 = stays)
	girl    bool
	imm     uint8
	edu     uint8 // index into microdata.ParentEducations
	decile  int8  // household income decile within the birth cohort; 0 unknown
	income  int64 // NOK; < 0 unknown
	ability float32
	// school per grade 1-10 (index into nation.Schools), -1 when not in the
	// country that year.
	school [10]int32
	// Results carried to later years (NaN when absent).
	prior5 float64 // mean z of the grade-5 tests, as the SBI computes it
	prior8 float64 // mean z of the grade-8 tests
	eta8   float32 // grade-8 latent, for grade 9
}

// inData reports whether the pupil has an enrolment in school year y.
func (p *pupil) grade(y int) int { return y - int(p.entry) + 1 }

// schoolIn returns the school in school year y, or -1.
func (p *pupil) schoolIn(y int) int32 {
	g := p.grade(y)
	if g < 1 || g > 10 {
		return -1
	}
	return p.school[g-1]
}

// newlyArrived reports whether the pupil arrived in grade g or the grade before.
func (p *pupil) newlyArrived(g int) bool { return p.arrive > 1 && int(p.arrive) >= g-1 }

// population is every pupil of the simulated years.
type population struct {
	pupils []pupil
	// firstEntry is the entry year of the oldest cohort.
	firstEntry int
}

// stream constants keep the random streams of different purposes apart.
const (
	streamBackground uint64 = 0x6261636b // "back"
	streamCareer     uint64 = 0x63617265
	streamTests      uint64 = 0x74657374
	streamGrades     uint64 = 0x67726164
	streamExams      uint64 = 0x6578616d
	streamSurvey     uint64 = 0x73757276
	streamEffects    uint64 = 0x65666665
	streamCohort     uint64 = 0x636f686f
)

// rng is a reseedable random source: reseeding per (stream, entity) makes
// every draw depend on the seed and the entity only, never on the order in
// which entities are visited.
type rng struct {
	pcg  rand.PCG
	r    *rand.Rand
	seed uint64
}

func newRNG(seed uint64) *rng {
	g := &rng{seed: seed}
	g.r = rand.New(&g.pcg)
	return g
}

func (g *rng) reset(stream, entity uint64) *rand.Rand {
	g.pcg.Seed(g.seed^stream*0x9e3779b97f4a7c15, entity*0xbf58476d1ce4e5b9+stream)
	return g.r
}

// buildPopulation draws every cohort that is in grades 1-10 during
// first..last, with background and career.
func buildPopulation(seed uint64, scale float64, n *nation, first, last int) *population {
	pop := &population{firstEntry: first - 9}
	g, gb := newRNG(seed), newRNG(seed)
	for entry := first - 9; entry <= last; entry++ {
		size := pupilsPerCohort * scale * (1 + 0.004*float64(entry-2010))
		r := rand.New(rand.NewPCG(seed^streamCohort, uint64(entry)))
		start := len(pop.pupils)
		for mi := range n.Municipalities {
			x := size * n.Municipalities[mi].Share
			k := int(x)
			if r.Float64() < x-float64(k) {
				k++
			}
			for range k {
				idx := len(pop.pupils)
				pop.pupils = append(pop.pupils, pupil{entry: int16(entry)})
				p := &pop.pupils[idx]
				m := &n.Municipalities[mi]
				rc := g.reset(streamCareer, uint64(idx))
				c := m.pickPrimary(rc.Float64())
				drawBackground(gb.reset(streamBackground, uint64(idx)), p, m, n.Schools[m.primary[c]].SES)
				drawCareer(rc, p, n, mi, c)
			}
		}
		assignDeciles(pop.pupils[start:])
	}
	return pop
}

// drawBackground draws gender, immigrant background, parental education,
// income and ability. Education and income follow a socio-economic latent
// with a municipality shift (and, through the school drawn in drawCareer,
// segregation between schools); ability does not depend on the school.
func drawBackground(r *rand.Rand, p *pupil, m *Municipality, schoolSES float64) {
	p.girl = r.Float64() < 0.5
	u := r.Float64()
	switch {
	case u < 0.12*m.ImmigrantFactor:
		p.imm = immImmigrant
	case u < 0.18*m.ImmigrantFactor:
		p.imm = immNorwegianBorn
	}
	ses := m.SES + schoolSES + 0.95*r.NormFloat64()
	if p.imm != immNone {
		ses -= 0.35
	}
	unknown := 0.03
	if p.imm == immImmigrant {
		unknown = 0.18
	}
	if r.Float64() < unknown {
		p.edu = 4
	} else {
		// Cuts of the socio-economic latent giving about 8/31/37/24 % of
		// the known.
		switch {
		case ses < -1.3:
			p.edu = 0
		case ses < -0.12:
			p.edu = 1
		case ses < 0.85:
			p.edu = 2
		default:
			p.edu = 3
		}
	}
	p.income = -1
	if r.Float64() >= 0.03 {
		inc := math.Exp(math.Log(780_000) + 0.3*ses + 0.35*r.NormFloat64())
		p.income = int64(math.Round(inc/100) * 100)
	}
	p.ability = float32(r.NormFloat64())
	p.arrive, p.leave = 1, 10
	if p.imm == immImmigrant && r.Float64() < 0.3 {
		p.arrive = int8(2 + r.IntN(9))
	}
	for g := int(p.arrive) + 1; g <= 10; g++ {
		if r.Float64() < 0.004 {
			p.leave = int8(g - 1)
			break
		}
	}
}

// drawCareer draws the school of every grade: a catchment in the
// municipality, moves within it (about 3 % a year) and to other
// municipalities (about 2 %), private schools at grade 1 or 8, and the
// change from barneskole to the ungdomsskole it feeds at grade 8.
func drawCareer(r *rand.Rand, p *pupil, n *nation, mi, c int) {
	m := &n.Municipalities[mi]
	private := int32(-1)
	for g := 1; g <= 10; g++ {
		if g < int(p.arrive) || g > int(p.leave) {
			p.school[g-1] = -1
			continue
		}
		if g > int(p.arrive) {
			switch u := r.Float64(); {
			case u < 0.02:
				mi = n.pickMunicipality(r.Float64())
				m = &n.Municipalities[mi]
				c = m.pickPrimary(r.Float64())
				private = -1
			case u < 0.05:
				c = m.pickPrimary(r.Float64())
			}
		}
		if private < 0 && (g == int(p.arrive) || g == 8) {
			// Private schools draw more pupils from educated homes.
			lean := 0.03
			if p.edu == 3 {
				lean = 0.07
			}
			switch {
			case g <= 7 && len(m.private1) > 0 && r.Float64() < lean:
				private = int32(m.private1[r.IntN(len(m.private1))])
			case g >= 8 && len(m.private8) > 0 && r.Float64() < lean:
				private = int32(m.private8[r.IntN(len(m.private8))])
			}
		}
		switch {
		case private >= 0:
			p.school[g-1] = private
		case g <= 7:
			p.school[g-1] = int32(m.primary[c])
		default:
			p.school[g-1] = int32(m.feeds[c])
		}
	}
	p.prior5, p.prior8, p.eta8 = math.NaN(), math.NaN(), nan32
}

var nan32 = float32(math.NaN())

// assignDeciles sets the income decile within a birth cohort:
// floor(10*(rank-1)/n)+1 with rank 1 + the number of strictly lower incomes.
func assignDeciles(cohort []pupil) {
	var idx []int
	for i := range cohort {
		if cohort[i].income >= 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return cohort[idx[a]].income < cohort[idx[b]].income })
	n := len(idx)
	rank := 1
	for k, i := range idx {
		if k > 0 && cohort[i].income != cohort[idx[k-1]].income {
			rank = k + 1
		}
		cohort[i].decile = int8(10*(rank-1)/n + 1)
	}
}

// pupilKey is the number behind the pseudonymous id of pupil idx
// ("E" and eight hex digits): a bijection of the index, so ids are unique
// but do not reveal the order.
func pupilKey(seed uint64, idx int) uint32 { return mix32(uint32(idx), uint32(seed)) }

// respondentKey is the number behind a survey respondent's id ("R" and
// eight hex digits): unique within a school year, different every year, and
// not linkable to the pupil id without the seed.
func respondentKey(seed uint64, year, idx int) uint32 {
	return mix32(uint32(idx), uint32(seed>>32)^uint32(seed)*0x9e3779b9^uint32(year)*0x27d4eb2d)
}

// mix32 is a bijection of uint32 for each key.
func mix32(x, key uint32) uint32 {
	x ^= key
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}
