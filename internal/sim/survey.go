package sim

import (
	"context"
	"fmt"
)

// Item is a survey item the simulator answers. A codebook (issue 4) is
// checked against this set.
type Item struct {
	Code    string
	Index   string // index code (EUIndeks_..., BullyingIndex for the bullying items), "" for a standalone item
	Reverse bool   // reverse-keyed: a high answer means a low index
}

// SurveyIndices are the Elevundersøkelsen indices the simulator answers,
// with their official codes and names (shared/docs/sources.md §1A).
var SurveyIndices = []struct{ Code, Name string }{
	{"EUIndeks_1378", "Faglig utfordring"},
	{"EUIndeks_1379", "Trivsel"},
	{"EUIndeks_1380", "Støtte fra lærer"},
	{"EUIndeks_1381", "Støtte hjemmefra"},
	{"EUIndeks_1382", "Vurdering for læring"},
	{"EUIndeks_1383", "Læringskultur"},
	{"EUIndeks_1384", "Mestring"},
	{"EUIndeks_1385", "Motivasjon"},
	{"EUIndeks_1386", "Elevdemokrati og medvirkning"},
	{"EUIndeks_1387", "Felles regler"},
}

// BullyingIndex is the code of the bullying index (shared/spec/indicators.md
// §3): the share answering 3 or more on at least one bullying item.
const BullyingIndex = "EUIndeks_1398"

// BullyingItems are the three bullying items (by pupils, by adults at
// school, digitally), answered on a 1-5 frequency scale (1 never ... 5
// several times a week).
var BullyingItems = []string{"EUSpoersmaal_Q11811", "EUSpoersmaal_Q11816", "EUSpoersmaal_Q11824"}

// Items are every item the simulator answers, 60 in all: five per index
// (the fourth of each reverse-keyed, and the second too for every other
// index), the bullying items, and seven standalone items.
var Items = func() []Item {
	var items []Item
	for i, ix := range SurveyIndices {
		num := ix.Code[len("EUIndeks_"):]
		for k := 1; k <= 5; k++ {
			items = append(items, Item{Code: fmt.Sprintf("EU%s_%d", num, k), Index: ix.Code, Reverse: k == 4 || (k == 2 && i%2 == 1)})
		}
	}
	for _, c := range BullyingItems {
		items = append(items, Item{Code: c, Index: BullyingIndex})
	}
	for k := 1; k <= 7; k++ {
		items = append(items, Item{Code: fmt.Sprintf("EUSpoersmaal_S%02d", k)})
	}
	return items
}()

func cut4(x float64, c *[4]float64) int {
	a := 1
	for _, t := range c {
		if x > t {
			a++
		}
	}
	return a
}

// surveyGen writes survey answers: grades 7 and 10, one respondent per
// enrolled pupil who takes part. It reads only the pupils' background and
// careers, so it runs beside the outcomes.
type surveyGen struct {
	seed   uint64
	model  *Survey
	nation *nation
	pop    *population
	g      *rng
	out    *sink
	// respondents counts the respondents written.
	respondents int64
	// effects are the true school effects v: per school, one per index of
	// SurveyIndices, then bullying.
	effects [][]float64
}

func newSurveyGen(seed uint64, n *nation, pop *population, m *Survey) *surveyGen {
	sg := &surveyGen{seed: seed, model: m, nation: n, pop: pop, g: newRNG(seed), effects: make([][]float64, len(n.Schools))}
	for si := range n.Schools {
		r := sg.g.reset(streamSurvey, uint64(si)<<8|0xff)
		e := make([]float64, len(SurveyIndices)+1)
		for k := range SurveyIndices {
			e[k] = m.SchoolTau * r.NormFloat64()
		}
		e[len(SurveyIndices)] = m.BullyTau * r.NormFloat64()
		sg.effects[si] = e
	}
	return sg
}

// maxClasses is the most classes a school forms in a grade.
const maxClasses = 40

// classNames are the values of class_id: grade and letter ("7A"), for
// class c of grade g at (g-1)*maxClasses + c; past Z, grade and number.
var classNames = func() []string {
	var names []string
	for g := 1; g <= 10; g++ {
		for c := range maxClasses {
			if c < 26 {
				names = append(names, fmt.Sprintf("%d%c", g, 'A'+c))
			} else {
				names = append(names, fmt.Sprintf("%d-%d", g, c+1))
			}
		}
	}
	return names
}()

// year writes the answers of school year y. Classes of at most
// Survey.ClassSize are formed within each school and grade in pupil order.
func (sg *surveyGen) year(ctx context.Context, y int) error {
	m := sg.model
	pupils := sg.pop.pupils
	type key struct {
		school int32
		grade  int
	}
	count := map[key]int{}
	for i := range pupils {
		p := &pupils[i]
		if g := p.grade(y); (g == 7 || g == 10) && p.schoolIn(y) >= 0 {
			count[key{p.schoolIn(y), g}]++
		}
	}
	seen := map[key]int{}
	sk := sg.out
	nIdx := len(SurveyIndices)
	latent := make([]float64, nIdx+1)
	for i := range pupils {
		if i%65536 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		p := &pupils[i]
		g := p.grade(y)
		s := p.schoolIn(y)
		if (g != 7 && g != 10) || s < 0 {
			continue
		}
		k := key{s, g}
		pos := seen[k]
		seen[k]++
		classes := (count[k] + m.ClassSize - 1) / m.ClassSize
		class := (g-1)*maxClasses + min(pos*classes/count[k], maxClasses-1)
		r := sg.g.reset(streamSurvey, uint64(i)<<8|uint64(y-2000))
		if r.Float64() >= m.Participation {
			continue
		}
		gender := 1 // index into microdata.Genders
		if !p.girl {
			gender = 0
		}
		if r.Float64() < m.GenderMissing {
			gender = -1
		}
		general := r.NormFloat64()
		for ix := range nIdx {
			latent[ix] = m.General*general + m.IndexNoise*r.NormFloat64() + sg.effects[s][ix]
		}
		latent[nIdx] = r.NormFloat64() + sg.effects[s][nIdx]
		sg.respondents++
		id := respondentKey(sg.seed, y, i)
		for it, item := range Items {
			answer := -1
			if r.Float64() >= m.ItemMissing {
				switch {
				case item.Index == BullyingIndex:
					answer = cut4(m.BullyLoading*latent[nIdx]+m.BullyNoise*r.NormFloat64(), &m.BullyCuts)
				case item.Index == "":
					answer = cut4(m.Standalone[0]*general+m.Standalone[1]*r.NormFloat64(), &m.Cuts)
				default:
					answer = cut4(latent[it/5]+m.ItemNoise*r.NormFloat64(), &m.Cuts)
					if item.Reverse {
						answer = 6 - answer
					}
				}
			}
			sk.id(0, 'R', id)
			sk.i32(1, y)
			sk.code(2, int(s))
			sk.i32(3, g)
			sk.code(4, class)
			sk.code(5, gender)
			sk.code(6, it)
			sk.optI32(7, answer)
			if err := sk.endRow(); err != nil {
				return err
			}
		}
	}
	return nil
}

// itemCodes are the codes of Items, in order: the vocabulary of item_code.
func itemCodes() []string {
	codes := make([]string, len(Items))
	for i, it := range Items {
		codes[i] = it.Code
	}
	return codes
}
