package sim

import (
	"fmt"
)

// Item is a survey item the simulator answers. A codebook (issue 4) is
// checked against this set.
type Item struct {
	Code    string
	Index   string // index code (EUIndeks_...), "bullying" or "" for a standalone item
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
		items = append(items, Item{Code: c, Index: "bullying"})
	}
	for k := 1; k <= 7; k++ {
		items = append(items, Item{Code: fmt.Sprintf("EUSpoersmaal_S%02d", k)})
	}
	return items
}()

// surveyCuts cut an item latent into answers 1-5 (mostly positive answers,
// as in the real survey); bullyingCuts are the frequency scale's.
var (
	surveyCuts   = [4]float64{-2.2, -1.3, -0.4, 0.6}
	bullyingCuts = [4]float64{0.9, 1.75, 2.2, 2.7}
)

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
// enrolled pupil who takes part (about 93 %).
type surveyGen struct {
	yg *yearGen
	// school effects per school: one per index, then bullying.
	effects [][]float64
}

func newSurveyGen(yg *yearGen, m *Model) *surveyGen {
	sg := &surveyGen{yg: yg, effects: make([][]float64, len(yg.nation.Schools))}
	for si := range yg.nation.Schools {
		r := yg.g.reset(streamSurvey, uint64(si)<<8|0xff)
		e := make([]float64, len(SurveyIndices)+1)
		for k := range SurveyIndices {
			e[k] = m.SurveyTau * r.NormFloat64()
		}
		e[len(SurveyIndices)] = m.BullyTau * r.NormFloat64()
		sg.effects[si] = e
	}
	return sg
}

// year writes the answers of school year y. Classes of at most 28 are
// formed within each school and grade in pupil order.
func (sg *surveyGen) year(y int) error {
	yg := sg.yg
	pupils := yg.pop.pupils
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
	sk := yg.survey
	nIdx := len(SurveyIndices)
	latent := make([]float64, nIdx+1)
	for i := range pupils {
		p := &pupils[i]
		g := p.grade(y)
		s := p.schoolIn(y)
		if (g != 7 && g != 10) || s < 0 {
			continue
		}
		k := key{s, g}
		pos := seen[k]
		seen[k]++
		classes := (count[k] + 27) / 28
		class := fmt.Sprintf("%d%c", g, 'A'+byte(pos*classes/count[k]))
		r := yg.g.reset(streamSurvey, uint64(i)<<8|uint64(y-2000))
		if r.Float64() >= 0.93 {
			continue
		}
		gender := "G"
		if p.girl {
			gender = "J"
		}
		if r.Float64() < 0.01 {
			gender = ""
		}
		general := r.NormFloat64()
		for ix := range nIdx {
			latent[ix] = 0.6*general + 0.8*r.NormFloat64() + sg.effects[s][ix]
		}
		latent[nIdx] = r.NormFloat64() + sg.effects[s][nIdx]
		id := respondentID(yg.seed, y, i)
		for it, item := range Items {
			answer := -1
			if r.Float64() >= 0.03 {
				switch {
				case item.Index == "bullying":
					answer = cut4(0.8*latent[nIdx]+0.6*r.NormFloat64(), &bullyingCuts)
				case item.Index == "":
					answer = cut4(0.5*general+0.85*r.NormFloat64(), &surveyCuts)
				default:
					answer = cut4(latent[it/5]+0.8*r.NormFloat64(), &surveyCuts)
					if item.Reverse {
						answer = 6 - answer
					}
				}
			}
			sk.str(0, id)
			sk.i32(1, y)
			sk.str(2, yg.nation.Schools[s].Orgnr)
			sk.i32(3, g)
			sk.str(4, class)
			sk.optStr(5, gender)
			sk.str(6, item.Code)
			sk.optI32(7, answer)
			if err := sk.flushIfFull(); err != nil {
				return err
			}
		}
	}
	return nil
}
