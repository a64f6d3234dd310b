package emulator

import (
	"fmt"
	"math"
	"strconv"
)

// The KOSTRA tables of the SSB emulation: 12255, 12222, 12367. Their
// region variable is KOKkommuneregion0000: EAK (landet), EAKUO (landet
// uten Oslo), then the municipalities; EAK and EAKUO cover every
// municipality, those whose own cells are ".." included (SSB estimates
// what was not reported).

// kostraRegionDim is KOKkommuneregion0000. It cannot be eliminated.
func (n *ssbNation) kostraRegionDim() *ssbDim {
	codes := append([]string{"EAK", "EAKUO"}, n.munis...)
	labels := append([]string{"Landet", "Landet uten Oslo"}, n.names...)
	d := newSSBDim("KOKkommuneregion0000", "region", codes, labels)
	d.role = "geo"
	return d
}

// kostraMunis are the municipalities (indexes in munis) that the region
// at position r of kostraRegionDim covers.
func (n *ssbNation) kostraMunis(r int) []int {
	if r >= 2 {
		return []int{r - 2}
	}
	var out []int
	for m := range n.munis {
		if r == 0 || m != n.oslo {
			out = append(out, m)
		}
	}
	return out
}

// enrolled is the pupils in the municipality's schools in school year
// first+y.
func (n *ssbNation) enrolled(y, m int) int {
	s := 0
	for _, c := range n.pupils[y][m] {
		s += c
	}
	return s
}

// The functions, arts and scopes of 12367, with each one's amount in
// percent of the one before it in the chain: function 202, art AGD2
// (netto driftsutgifter) and scope A (konsern) are the base.
var (
	ssbFunctions = []struct {
		code, label string
		pct         int // of function 202
	}{{"202", "Grunnskole", 100}, {"215", "Skolefritidstilbud", 8}, {"222", "Skolelokaler", 18}, {"223", "Skoleskyss", 4}}
	ssbArts = []struct {
		code, label string
		pct         int // of AGD2
	}{{"AGD10", "Brutto driftsutgifter", 112}, {"AGD2", "Netto driftsutgifter", 100}}
	ssbScopes = []struct {
		code, label string
		pct         int // of A
	}{{"A", "Kommunekonsern", 100}, {"B", "Kommunekasse", 98}}
)

// ssbPercent is x*pct/100 rounded half up (x >= 0).
func ssbPercent(x, pct int) int { return (x*pct + 50) / 100 }

// ssbAccounts is the accounting of grunnskole, per school year y and
// municipality m, shared by 12367 and 12255.
type ssbAccounts struct {
	net202   [][]int  // netto driftsutgifter function 202, konsern, NOK 1000
	reported [][]bool // false: every cell of the municipality-year is ".."
}

// accounts computes (once) net202 and reported. Function 202's net
// expenditure is the pupils enrolled times a cost per pupil in NOK:
// 105,000 + 95,000*150/(pupils+150), integer division; times (100+3y)/100
// (3 % more a year from the first); times (95+j)/100 with j = a jitter of
// 0-10 by municipality and year; then pupils*cost/1000, rounded half up.
// A municipality-year is unreported when a jitter of 0-39 is 0.
func (n *ssbNation) accounts() *ssbAccounts {
	if n.acct != nil {
		return n.acct
	}
	years := n.last - n.first + 1
	a := &ssbAccounts{net202: make([][]int, years), reported: make([][]bool, years)}
	for y := range years {
		a.net202[y], a.reported[y] = make([]int, len(n.munis)), make([]bool, len(n.munis))
		year := strconv.Itoa(n.first + y)
		for m, muni := range n.munis {
			e := n.enrolled(y, m)
			cost := 105_000 + 95_000*150/(e+150)
			cost = cost * (100 + 3*y) / 100
			cost = cost * (95 + ssbJitter(11, "12367", muni, year)) / 100
			a.net202[y][m] = (e*cost + 500) / 1000
			a.reported[y][m] = ssbJitter(40, "12367", muni, year, "rapportert") != 0
		}
	}
	n.acct = a
	return a
}

// amount is 12367's cell of a municipality: scope s, function f, art a.
func (acct *ssbAccounts) amount(y, m, s, f, a int) int {
	return ssbPercent(ssbPercent(ssbPercent(acct.net202[y][m], ssbFunctions[f].pct), ssbArts[a].pct), ssbScopes[s].pct)
}

// sector is the net expenditure (konsern) of functions 202, 215, 222 and
// 223: the numerator of 12255's KOSregnind20000.
func (acct *ssbAccounts) sector(y, m int) int {
	net := 0
	for f := range ssbFunctions {
		net += acct.amount(y, m, 0, f, 1)
	}
	return net
}

// table12367 is KOSTRA's detailed operating accounts, for grunnskole.
func (n *ssbNation) table12367() *ssbTable {
	acct := n.accounts()
	dim := func(code, label string, codes, labels []string) *ssbDim { return newSSBDim(code, label, codes, labels) }
	var sc, sl, fc, fl, ac, al []string
	for _, s := range ssbScopes {
		sc, sl = append(sc, s.code), append(sl, s.label)
	}
	for _, f := range ssbFunctions {
		fc, fl = append(fc, f.code), append(fl, f.code+" "+f.label)
	}
	for _, a := range ssbArts {
		ac, al = append(ac, a.code), append(al, a.label)
	}
	contents := contentsDim([]string{"KOSbelop0000"}, []string{"Beløp (1000 kr)"}, []ssbUnit{{"1000 kr", 0}}, "", "Flow")
	t := &ssbTable{id: "12367", label: "12367: Detaljerte regnskapstall driftsregnskapet, etter region, regnskapsomfang, funksjon, art, statistikkvariabel og år",
		contents: "Beløp", subject: "kk", updated: fmt.Sprintf("%d-06-15T06:00:00Z", n.last+1),
		dims: []*ssbDim{n.kostraRegionDim(), dim("KOKregnskapsomfa0000", "regnskapsomfang", sc, sl),
			dim("KOKfunksjon0000", "funksjon", fc, fl), dim("KOKart0000", "art", ac, al), contents, timeDim(n.first, n.last, "år")}}
	t.cell = func(pos []int) (float64, string) {
		r, s, f, a, y := pos[0], pos[1], pos[2], pos[3], pos[5]
		if r >= 2 && !acct.reported[y][r-2] {
			return 0, ".."
		}
		sum := 0
		for _, m := range n.kostraMunis(r) {
			sum += acct.amount(y, m, s, f, a)
		}
		return float64(sum), ""
	}
	return t
}

// table12255 is KOSTRA's grunnskole key figures.
func (n *ssbNation) table12255() *ssbTable {
	contents := contentsDim([]string{"KOSgrstr20000", "KOSgrunnskolepoe0000", "KOSregnind20000"},
		[]string{"Gjennomsnittlig gruppestørrelse, 1.-10.årstrinn", "Gjennomsnittlige grunnskolepoeng",
			"Netto driftsutgifter til grunnskolesektor (202, 215, 222, 223), per innbygger 6-15 år"},
		[]ssbUnit{{"elever", 1}, {"poeng", 1}, {"kr", 0}}, "", "Stock")
	tid := timeDim(n.first, n.last, "år")
	t := &ssbTable{id: "12255", label: "12255: Utvalgte nøkkeltall for grunnskole, etter region, statistikkvariabel og år",
		contents: "Grunnskole", subject: "kk", updated: fmt.Sprintf("%d-06-15T06:00:00Z", n.last+1), decimals: 1,
		dims: []*ssbDim{n.kostraRegionDim(), contents, tid}}
	acct := n.accounts()
	round1 := func(x float64) float64 { return math.Round(x*10) / 10 }
	groupSize := func(y, m int) float64 {
		per := float64(n.enrolled(y, m)) / float64(max(n.schools[m], 1))
		jitter := float64(ssbJitter(9, "12255", n.munis[m], strconv.Itoa(y))-4) / 10
		return round1(8 + 10*per/(per+150) + jitter)
	}
	years := n.last - n.first + 1
	children := make([][]int, years) // 07459's ages 6-15 on 1 January of first+y+1
	for y := range years {
		children[y] = make([]int, len(n.munis))
		for m := range n.munis {
			children[y][m] = n.people(m, y, 6, 15)
		}
	}
	t.cell = func(pos []int) (float64, string) {
		r, c, y := pos[0], pos[1], pos[2]
		munis := n.kostraMunis(r)
		switch c {
		case 0: // group size: the municipality's, or the mean weighted by pupils
			if r >= 2 {
				return groupSize(y, munis[0]), ""
			}
			sum, w := 0.0, 0
			for _, m := range munis {
				e := n.enrolled(y, m)
				sum += groupSize(y, m) * float64(e)
				w += e
			}
			if w == 0 {
				return 0, ".."
			}
			return round1(sum / float64(w)), ""
		case 2: // NOK per inhabitant 6-15, rounded half up
			if r >= 2 && !acct.reported[y][munis[0]] {
				return 0, ".."
			}
			net, kids := 0, 0
			for _, m := range munis {
				net, kids = net+acct.sector(y, m), kids+children[y][m]
			}
			if kids == 0 {
				return 0, ".."
			}
			return float64((2000*net + kids) / (2 * kids)), ""
		}
		if y == 0 {
			return 0, ".." // grade points of spring first: school year first-1 is not simulated
		}
		var sum, cnt int
		for _, m := range munis {
			sum, cnt = sum+n.gspSum[y-1][m], cnt+n.gspN[y-1][m]
		}
		switch {
		case cnt == 0:
			return 0, ".."
		case cnt < ssbSuppress:
			return 0, ":"
		}
		return math.Round(float64(sum)/float64(cnt)) / 10, ""
	}
	return t
}

// specialEducation is 12222's count for school year first+y in the
// municipality m: its enrolled pupils times a rate of 50-90 per thousand
// (50 + a jitter of 0-40 by municipality and year), rounded half up.
func (n *ssbNation) specialEducation(y, m int) int {
	rate := 50 + ssbJitter(41, "12222", n.munis[m], strconv.Itoa(n.first+y))
	return (n.enrolled(y, m)*rate + 500) / 1000
}

// table12222 is KOSTRA's pupils receiving special education.
func (n *ssbNation) table12222() *ssbTable {
	contents := contentsDim([]string{"KOSelevspesund0000", "KOSandelspesund0000"},
		[]string{"Elever som får spesialundervisning", "Andel elever i grunnskolen som får spesialundervisning"},
		[]ssbUnit{{"elever", 0}, {"prosent", 1}}, "01.10", "Stock")
	t := &ssbTable{id: "12222", label: "12222: Elever som får spesialundervisning, etter region, statistikkvariabel og år",
		contents: "Spesialundervisning", subject: "kk", updated: fmt.Sprintf("%d-06-15T06:00:00Z", n.last+1), decimals: 1,
		dims: []*ssbDim{n.kostraRegionDim(), contents, timeDim(n.first, n.last, "år")}}
	t.cell = func(pos []int) (float64, string) {
		r, c, y := pos[0], pos[1], pos[2]
		special, pupils := 0, 0
		for _, m := range n.kostraMunis(r) {
			special, pupils = special+n.specialEducation(y, m), pupils+n.enrolled(y, m)
		}
		switch {
		case pupils == 0:
			return 0, ".."
		case special > 0 && special < ssbSuppress:
			return 0, ":"
		case c == 0:
			return float64(special), ""
		}
		// percent in tenths, rounded half up
		return float64((2000*special+pupils)/(2*pupils)) / 10, ""
	}
	return t
}
