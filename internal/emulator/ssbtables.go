package emulator

import (
	"fmt"
	"math"
	"strconv"
)

// The ordinary (Region) tables of the SSB emulation: 07459, 11980, 09429.

// person is 07459's count of the municipality m, gender k (0 men), age
// position a (0-104, 105 = 105+) on 1 January of year first+y+1.
func (n *ssbNation) person(m, k, a, y int) int {
	excess := ssbJitter(3, "07459", n.munis[m], strconv.Itoa(k), strconv.Itoa(a), strconv.Itoa(y))
	if a >= 6 && a <= 15 {
		return n.pop[y][m][k][a-6] + excess
	}
	base := 0
	for _, c := range n.pop[y][m][k] {
		base += c
	}
	shape := 1.0
	if a > 60 {
		shape = max(0, 1-float64(a-60)/45)
	}
	return int(math.Round(float64(base)/10*shape)) + excess
}

// people sums person over both genders and the age positions from..to.
func (n *ssbNation) people(m, y, from, to int) int {
	sum := 0
	for k := range 2 {
		for a := from; a <= to; a++ {
			sum += n.person(m, k, a, y)
		}
	}
	return sum
}

// table07459 is the population by region, gender and age on 1 January.
func (n *ssbNation) table07459() *ssbTable {
	region := n.regionDim("Region", "region", "0", "Heile landet")
	region.elim, region.elimCode = true, "0"
	gender := newSSBDim("Kjonn", "kjønn", []string{"1", "2"}, []string{"Menn", "Kvinner"})
	gender.elim = true
	var ages, ageLabels []string
	for a := 0; a <= 104; a++ {
		ages, ageLabels = append(ages, fmt.Sprintf("%03d", a)), append(ageLabels, fmt.Sprintf("%d år", a))
	}
	ages, ageLabels = append(ages, "105+"), append(ageLabels, "105 år eller eldre")
	age := newSSBDim("Alder", "alder", ages, ageLabels)
	age.elim = true
	contents := contentsDim([]string{"Personer1"}, []string{"Personer"}, []ssbUnit{{"personer", 0}}, "01.01", "Stock")
	tid := timeDim(n.first+1, n.last+1, "år")
	t := &ssbTable{id: "07459", label: "07459: Befolkning, etter region, kjønn, alder, statistikkvariabel og år",
		contents: "Befolkning", subject: "be", updated: fmt.Sprintf("%d-02-21T07:00:00Z", n.last+1),
		dims: []*ssbDim{region, gender, age, contents, tid}}
	// A municipality's count is person; the nation is their sum.
	t.cell = func(pos []int) (float64, string) {
		r, k, a, y := pos[0], pos[1], pos[2], pos[4]
		if r > 0 {
			return float64(n.person(r-1, k, a, y)), ""
		}
		sum := 0
		for m := range n.munis {
			sum += n.person(m, k, a, y)
		}
		return float64(sum), ""
	}
	return t
}

// table11980 is the pupils by region and grade.
func (n *ssbNation) table11980() *ssbTable {
	region := n.regionDim("Region", "region", "0", "Heile landet", ssbSvalbard, "Longyearbyen")
	region.elim, region.elimCode = true, "0"
	var grades, gradeLabels []string
	for g := 1; g <= 10; g++ {
		grades, gradeLabels = append(grades, fmt.Sprintf("%02d", g)), append(gradeLabels, fmt.Sprintf("%d. trinn", g))
	}
	grade := newSSBDim("Trinn", "trinn", grades, gradeLabels)
	grade.elim = true
	contents := contentsDim([]string{"Elever"}, []string{"Elever"}, []ssbUnit{{"elever", 0}}, "01.10", "Stock")
	tid := timeDim(n.first, n.last, "skoleår (høstår)")
	t := &ssbTable{id: "11980", label: "11980: Elever i grunnskolen, etter region, trinn, statistikkvariabel og år",
		contents: "Elever i grunnskolen", subject: "ud", updated: fmt.Sprintf("%d-12-13T07:00:00Z", n.last),
		dims: []*ssbDim{region, grade, contents, tid}, suppress: ssbSuppress}
	svalbard := len(n.munis) + 1
	t.cell = func(pos []int) (float64, string) {
		r, g, y := pos[0], pos[1], pos[3]
		switch {
		case r == svalbard:
			return 0, "."
		case r > 0:
			return float64(n.pupils[y][r-1][g]), ""
		}
		sum := 0
		for m := range n.munis {
			sum += n.pupils[y][m][g]
		}
		return float64(sum), ""
	}
	return t
}

// Education levels of 09429 (Nivaa), in table order.
var ssbLevels = []struct{ code, label string }{
	{"00", "I alt"},
	{"01", "Grunnskolenivå"},
	{"02a", "Videregående skolenivå"},
	{"11", "Fagskolenivå"},
	{"03a", "Universitets- og høgskolenivå, kort"},
	{"04a", "Universitets- og høgskolenivå, lang"},
	{"09a", "Uoppgitt eller ingen fullført utdanning"},
}

// educationLevels is 09429's population of a municipality by level (in
// ssbLevels order), both genders, for Tid first+y, and false when no pupil
// of the municipality is enrolled in school year first+y.
//
// The rule: P is the population aged 16 and over on 1 January of
// first+y+1 (07459's ages 16 to 105+, both genders), N the pupils enrolled
// in the municipality's schools in school year first+y and n(e) those whose
// parent_education is e. With r(x) = round(P*x/N), half up: 01 = r(n
// primary), 03a = r(n higher_short), 04a = r(n higher_long), 09a = r(n
// unknown); of u = r(n upper_secondary), 11 (fagskole, which the pupil files
// do not know) is u/8 rounded down and 02a the rest; 00 is the sum of the
// six.
func (n *ssbNation) educationLevels(m, y int) ([7]int, bool) {
	var out [7]int
	e := n.parentEdu[y][m] // primary, upper_secondary, higher_short, higher_long, unknown
	total := e[0] + e[1] + e[2] + e[3] + e[4]
	if total == 0 {
		return out, false
	}
	p := n.people(m, y, 16, 105)
	r := func(x int) int { return (2*p*x + total) / (2 * total) }
	upper := r(e[1])
	out[1], out[3], out[2] = r(e[0]), upper/8, upper-upper/8
	out[4], out[5], out[6] = r(e[2]), r(e[3]), r(e[4])
	for _, v := range out[1:] {
		out[0] += v
	}
	return out, true
}

// table09429 is the population aged 16 and over by region and education
// level (educationLevels): women are half of each count rounded down, men
// the rest.
func (n *ssbNation) table09429() *ssbTable {
	region := n.regionDim("Region", "region", "0", "Heile landet", ssbSvalbard, "Longyearbyen")
	region.elim, region.elimCode = true, "0"
	var codes, labels []string
	for _, l := range ssbLevels {
		codes, labels = append(codes, l.code), append(labels, l.label)
	}
	level := newSSBDim("Nivaa", "nivå", codes, labels)
	gender := newSSBDim("Kjonn", "kjønn", []string{"1", "2"}, []string{"Menn", "Kvinner"})
	gender.elim = true
	contents := contentsDim([]string{"Personer"}, []string{"Personer"}, []ssbUnit{{"personer", 0}}, "01.10", "Stock")
	tid := timeDim(n.first, n.last, "år")
	t := &ssbTable{id: "09429", label: "09429: Befolkningens utdanningsnivå, etter region, nivå, kjønn, statistikkvariabel og år",
		contents: "Personer", subject: "ud", updated: fmt.Sprintf("%d-06-20T06:00:00Z", n.last+1),
		dims: []*ssbDim{region, level, gender, contents, tid}}
	years := n.last - n.first + 1
	levels := make([][][7]int, years) // [y][m]; ok[y][m] false = ".."
	ok := make([][]bool, years)
	for y := range years {
		levels[y], ok[y] = make([][7]int, len(n.munis)), make([]bool, len(n.munis))
		for m := range n.munis {
			levels[y][m], ok[y][m] = n.educationLevels(m, y)
		}
	}
	svalbard := len(n.munis) + 1
	byGender := func(v, k int) int {
		if k == 1 {
			return v / 2
		}
		return v - v/2
	}
	t.cell = func(pos []int) (float64, string) {
		r, l, k, y := pos[0], pos[1], pos[2], pos[4]
		switch {
		case r == svalbard:
			return 0, "."
		case r > 0:
			if !ok[y][r-1] {
				return 0, ".."
			}
			return float64(byGender(levels[y][r-1][l], k)), ""
		}
		sum, any := 0, false
		for m := range n.munis {
			if ok[y][m] {
				sum, any = sum+byGender(levels[y][m][l], k), true
			}
		}
		if !any {
			return 0, ".."
		}
		return float64(sum), ""
	}
	return t
}
