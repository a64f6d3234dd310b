package emulator

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// SSBPrefix is where SSB's PxWebApi v2 is emulated (real:
// https://data.ssb.no/api/pxwebapi/v2).
const SSBPrefix = "/ssb"

// The SSB PxWebApi v2 emulation (shared/docs/sources.md §4) serves
//
//	GET tables/{id}/metadata   JSON-stat 2.0, every category, an empty value
//	GET tables/{id}/data?lang=no&outputFormat=json-stat2&valueCodes[Var]=…
//
// for three tables derived from the simulated nation, each the same on
// every start:
//
//   - 07459 Befolkning: Region ("0" hele landet, then the municipalities),
//     Kjonn (1, 2), Alder (000-104, 105+), ContentsCode Personer1, Tid: the
//     population on 1 January of year T. Ages 6-15 are the pupils enrolled in
//     school year T-1 (age = T-1 - birth year, by the school's municipality)
//     plus 0-2 residents who are in no school (a hash of the cell); the other
//     ages are synthetic (the mean of those ages, shaped by age, plus the same
//     kind of excess). With every age the table has more than 800,000 cells.
//   - 11980 Elever i grunnskolen: Region ("0", the municipalities, and 2111
//     Longyearbyen whose cells are all "."), Trinn (01-10), ContentsCode
//     Elever, Tid = school year (autumn year): pupils enrolled on 1 October.
//     A count of 1-4 is null with ":" (0 is shown).
//   - 12255 KOSTRA grunnskole: KOKkommuneregion0000 (EAK = landet, then the
//     municipalities), ContentsCode KOSgrstr20000 (gruppestørrelse 2,
//     synthetic: pupils per school of the municipality mapped onto 8-18,
//     plus a jitter) and KOSgrunnskolepoe0000 (grunnskolepoeng computed from
//     the simulated grades as shared/spec/indicators.md §2 says, by the
//     municipality of the school, one decimal), Tid = KOSTRA year T: group
//     size of school year T, grade points of the pupils finishing in spring
//     T (school year T-1). Grade points are ".." for the first year (no
//     grades simulated before) and where no pupil has any, ":" where 1-4
//     pupils have them.
//
// Rules as the real API: Tid, ContentsCode and every other variable whose
// elimination is false must be selected (400 "Missing selection for
// mandantory variable"); an eliminable variable left out is summed away
// (or, with an eliminationValueCode, its total taken); a value code
// selected twice gives 500 with an empty body; more than 800,000 cells
// 403; a URL longer than 2,100 characters 404; a request with no
// valueCodes at all gets the default selection (every ContentsCode, the
// newest Tid, the first code of other mandatory variables). More than
// ssbRateRequests requests in ssbRateWindow from one client address get
// 429 with Retry-After. Selection expressions: codes, `*`, codes with `*`
// and `?` wildcards, top(n[,offset]), bottom(n[,offset]), from(x), to(x),
// range(x,y); an expression with a comma must be in [ ]. top is the newest
// periods on Tid and the first codes elsewhere. lang may be no, nb, nn or
// en (labels are Norwegian in all). Not emulated: codelist[...],
// outputValues, stub/heading, other output formats, POST, savedqueries,
// /tables and /config.
//
// With drift on, "value" is called "values", as if the format had changed
// under us.

// The limits of the real API.
const (
	ssbMaxCells  = 800_000
	ssbMaxURL    = 2100
	ssbSuppress  = 5 // counts 1..ssbSuppress-1 are ":" in 11980
	ssbSource    = "Statistisk sentralbyrå"
	ssbSvalbard  = "2111"
	ssbMandatory = "Missing selection for mandantory variable"
)

// The request limit per client address, applied when Options.RateLimits
// is set. Tests
// of the limit build the SSB handler with a limiter of their own
// (newSSBLimiter) instead of changing these.
var (
	ssbRateRequests = 30
	ssbRateWindow   = 60 * time.Second
)

func init() {
	register(api{name: "SSB", prefix: SSBPrefix, mount: func(ctx context.Context, sn *simNation, opt Options, mux *http.ServeMux, prefix string) error {
		d, err := loadSSB(ctx, sn, opt.Drift)
		if err != nil {
			return err
		}
		if opt.RateLimits {
			d.limiter = newSSBLimiter(ssbRateRequests, ssbRateWindow, time.Now)
		}
		d.routes(mux, prefix)
		return nil
	}})
}

// ssbDim is a variable of a table.
type ssbDim struct {
	code, label   string
	codes, labels []string
	elim          bool
	elimCode      string // with elim: the total taken when left out ("" = sum)
	role          string // "time", "geo", "metric" or ""
	units         map[string]ssbUnit
	refperiod     string // metric: extension.refperiod of every content
	measuring     string // metric: extension.measuringType of every content
	pos           map[string]int
}

type ssbUnit struct {
	Base     string `json:"base"`
	Decimals int    `json:"decimals"`
}

// ssbTable is an emulated table: its variables and a function giving the
// value of a cell of the full cube (pos in dims order), or null with its
// symbol.
type ssbTable struct {
	id, label, contents, subject string
	updated                      string
	decimals                     int
	dims                         []*ssbDim
	cell                         func(pos []int) (v float64, symbol string)
	// suppress: a (possibly summed) value 0 < v < suppress is null with ":".
	suppress int
}

func newSSBDim(code, label string, codes, labels []string) *ssbDim {
	d := &ssbDim{code: code, label: label, codes: codes, labels: labels, pos: map[string]int{}}
	for i, c := range codes {
		d.pos[c] = i
	}
	return d
}

// ssbData is the emulated API: its tables and the request limiter.
type ssbData struct {
	tables  map[string]*ssbTable
	drift   bool
	limiter *ssbLimiter
}

// ssbNation is what the tables are computed from.
type ssbNation struct {
	first, last int
	munis       []string // sorted
	names       []string
	muniIdx     map[string]int
	schools     []int // schools per municipality
	// pupils[y][m][g-1]: enrolled in grade g in school year first+y.
	pupils [][][10]int
	// pop[y][m][k][a-6]: enrolled in school year first+y aged a (6..15) at
	// the end of it, k 0 boys 1 girls.
	pop [][][2][10]int
	// gspSum, gspN [y][m]: grade points (in tenths, exact) of the pupils
	// finishing grade 10 in school year first+y, by the municipality of
	// their school.
	gspSum [][]int
	gspN   [][]int
}

// loadSSB computes the tables from the simulated nation.
func loadSSB(ctx context.Context, sn *simNation, drift bool) (*ssbData, error) {
	n, err := readSSBNation(ctx, sn)
	if err != nil {
		return nil, err
	}
	d := &ssbData{tables: map[string]*ssbTable{}, drift: drift}
	for _, t := range []*ssbTable{n.table07459(), n.table11980(), n.table12255()} {
		d.tables[t.id] = t
	}
	return d, nil
}

func readSSBNation(ctx context.Context, sn *simNation) (*ssbNation, error) {
	dir := sn.Dir
	n := &ssbNation{first: sn.First, last: sn.Last, muniIdx: map[string]int{}}
	for _, m := range sn.Municipalities { // sorted by code
		n.muniIdx[m.Code] = len(n.munis)
		n.munis = append(n.munis, m.Code)
		n.names = append(n.names, m.Name)
	}
	years, munis := sn.Last-sn.First+1, len(n.munis)
	n.schools = make([]int, munis)
	n.pupils = make([][][10]int, years)
	n.pop = make([][][2][10]int, years)
	n.gspSum = make([][]int, years)
	n.gspN = make([][]int, years)
	for y := range years {
		n.pupils[y] = make([][10]int, munis)
		n.pop[y] = make([][2][10]int, munis)
		n.gspSum[y] = make([]int, munis)
		n.gspN[y] = make([]int, munis)
	}

	schoolMuni := map[string]int{}
	for _, sc := range sn.Schools {
		m, ok := n.muniIdx[sc.Municipality]
		if !ok {
			return nil, fmt.Errorf("school %s is in municipality %s, which nation.json does not list", sc.Orgnr, sc.Municipality)
		}
		schoolMuni[sc.Orgnr] = m
		n.schools[m]++
	}
	type pupil struct {
		birth int32
		girl  bool
	}
	pupils := map[string]pupil{}
	err := microdata.Each(ctx, dir, "pupils", func(rec arrow.RecordBatch) error {
		id, birth, gender := rec.Column(0).(*array.String), rec.Column(1).(*array.Int32), rec.Column(2).(*array.String)
		for i := range int(rec.NumRows()) {
			pupils[strings.Clone(id.Value(i))] = pupil{birth: birth.Value(i), girl: gender.Value(i) == "J"}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = microdata.Each(ctx, dir, "enrolments", func(rec arrow.RecordBatch) error {
		id, year, grade, org := rec.Column(0).(*array.String), rec.Column(1).(*array.Int32), rec.Column(2).(*array.Int32), rec.Column(3).(*array.String)
		for i := range int(rec.NumRows()) {
			y := int(year.Value(i)) - n.first
			if y < 0 || y >= years {
				continue
			}
			m, ok := schoolMuni[org.Value(i)]
			if !ok {
				return fmt.Errorf("enrolment at school %s, which the schools file does not hold", org.Value(i))
			}
			n.pupils[y][m][grade.Value(i)-1]++
			p, ok := pupils[id.Value(i)]
			if !ok {
				return fmt.Errorf("enrolment of pupil %s, whom the pupils file does not hold", id.Value(i))
			}
			if age := int(year.Value(i) - p.birth); age >= 6 && age <= 15 {
				k := 0
				if p.girl {
					k = 1
				}
				n.pop[y][m][k][age-6]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	clear(pupils)
	if err := n.readGradePoints(ctx, dir, schoolMuni); err != nil {
		return nil, err
	}
	return n, nil
}

// readGradePoints computes every pupil's grade points (indicators.md §2)
// and adds them to the municipality of the school that awarded the grades.
func (n *ssbNation) readGradePoints(ctx context.Context, dir string, schoolMuni map[string]int) error {
	type diploma struct {
		sum, grades int32
		subjects    [2]uint64 // bit per subject on the diploma
		numeric     [2]uint64 // bit per subject with a numeric grade
		muni        int32
	}
	type key struct {
		pupil string
		year  int32
	}
	subjectBit := map[string]int{}
	diplomas := map[key]*diploma{}
	err := microdata.Each(ctx, dir, "grades", func(rec arrow.RecordBatch) error {
		id, year, org := rec.Column(0).(*array.String), rec.Column(1).(*array.Int32), rec.Column(2).(*array.String)
		subject, grade := rec.Column(3).(*array.String), rec.Column(5).(*array.String)
		for i := range int(rec.NumRows()) {
			k := key{id.Value(i), year.Value(i)}
			dp, ok := diplomas[k]
			if !ok {
				m, ok := schoolMuni[org.Value(i)]
				if !ok {
					return fmt.Errorf("grade from school %s, which the schools file does not hold", org.Value(i))
				}
				k.pupil = strings.Clone(k.pupil)
				dp = &diploma{muni: int32(m)}
				diplomas[k] = dp
			}
			bit, ok := subjectBit[subject.Value(i)]
			if !ok {
				bit = len(subjectBit)
				if bit >= 128 {
					return fmt.Errorf("more than 128 subject codes in the grades file")
				}
				subjectBit[strings.Clone(subject.Value(i))] = bit
			}
			dp.subjects[bit/64] |= 1 << (bit % 64)
			if g := grade.Value(i); len(g) == 1 && g[0] >= '1' && g[0] <= '6' {
				dp.sum += int32(g[0] - '0')
				dp.grades++
				dp.numeric[bit/64] |= 1 << (bit % 64)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ones := func(b [2]uint64) int { return bits.OnesCount64(b[0]) + bits.OnesCount64(b[1]) }
	for k, dp := range diplomas {
		y := int(k.year) - n.first
		if y < 0 || y >= len(n.gspN) || 2*ones(dp.numeric) <= ones(dp.subjects) {
			continue
		}
		// gsp = round(mean, 2) * 10, kept as an integer number of tenths
		n.gspSum[y][dp.muni] += int(math.Round(float64(dp.sum) / float64(dp.grades) * 100))
		n.gspN[y][dp.muni]++
	}
	return nil
}

// ssbJitter is a number in [0, n) fixed by the parts: the deterministic
// noise of the synthetic values.
func ssbJitter(n int, parts ...string) int {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int(h.Sum64() % uint64(n))
}

func yearCodes(from, to int) []string {
	var out []string
	for y := from; y <= to; y++ {
		out = append(out, strconv.Itoa(y))
	}
	return out
}

func (n *ssbNation) regionDim(code, label, total, totalLabel string, extra ...string) *ssbDim {
	codes, labels := []string{total}, []string{totalLabel}
	codes = append(codes, n.munis...)
	labels = append(labels, n.names...)
	for i := 0; i+1 < len(extra); i += 2 {
		codes, labels = append(codes, extra[i]), append(labels, extra[i+1])
	}
	d := newSSBDim(code, label, codes, labels)
	d.role = "geo"
	return d
}

func timeDim(from, to int, label string) *ssbDim {
	years := yearCodes(from, to)
	d := newSSBDim("Tid", label, years, years)
	d.role = "time"
	return d
}

func contentsDim(codes, labels []string, units []ssbUnit, refperiod, measuring string) *ssbDim {
	d := newSSBDim("ContentsCode", "statistikkvariabel", codes, labels)
	d.role, d.refperiod, d.measuring = "metric", refperiod, measuring
	d.units = map[string]ssbUnit{}
	for i, c := range codes {
		d.units[c] = units[i]
	}
	return d
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
	// person is one municipality's count; the nation is their sum.
	person := func(m, k, a, y int) float64 {
		excess := ssbJitter(3, "07459", n.munis[m], strconv.Itoa(k), strconv.Itoa(a), strconv.Itoa(y))
		if a >= 6 && a <= 15 {
			return float64(n.pop[y][m][k][a-6] + excess)
		}
		base := 0
		for _, c := range n.pop[y][m][k] {
			base += c
		}
		shape := 1.0
		if a > 60 {
			shape = max(0, 1-float64(a-60)/45)
		}
		return math.Round(float64(base)/10*shape) + float64(excess)
	}
	t.cell = func(pos []int) (float64, string) {
		r, k, a, y := pos[0], pos[1], pos[2], pos[4]
		if r > 0 {
			return person(r-1, k, a, y), ""
		}
		sum := 0.0
		for m := range n.munis {
			sum += person(m, k, a, y)
		}
		return sum, ""
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

// table12255 is KOSTRA's grunnskole key figures.
func (n *ssbNation) table12255() *ssbTable {
	region := n.regionDim("KOKkommuneregion0000", "region", "EAK", "Landet")
	contents := contentsDim([]string{"KOSgrstr20000", "KOSgrunnskolepoe0000"},
		[]string{"Gjennomsnittlig gruppestørrelse, 1.-10.årstrinn", "Gjennomsnittlige grunnskolepoeng"},
		[]ssbUnit{{"elever", 1}, {"poeng", 1}}, "", "Stock")
	tid := timeDim(n.first, n.last, "år")
	t := &ssbTable{id: "12255", label: "12255: Utvalgte nøkkeltall for grunnskole, etter region, statistikkvariabel og år",
		contents: "Grunnskole", subject: "kk", updated: fmt.Sprintf("%d-06-15T06:00:00Z", n.last+1), decimals: 1,
		dims: []*ssbDim{region, contents, tid}}
	round1 := func(x float64) float64 { return math.Round(x*10) / 10 }
	enrolled := func(y, m int) int {
		s := 0
		for _, c := range n.pupils[y][m] {
			s += c
		}
		return s
	}
	groupSize := func(y, m int) float64 {
		per := float64(enrolled(y, m)) / float64(max(n.schools[m], 1))
		jitter := float64(ssbJitter(9, "12255", n.munis[m], strconv.Itoa(y))-4) / 10
		return round1(8 + 10*per/(per+150) + jitter)
	}
	t.cell = func(pos []int) (float64, string) {
		r, c, y := pos[0], pos[1], pos[2]
		if c == 0 {
			if r > 0 {
				return groupSize(y, r-1), ""
			}
			sum, w := 0.0, 0
			for m := range n.munis {
				e := enrolled(y, m)
				sum += groupSize(y, m) * float64(e)
				w += e
			}
			if w == 0 {
				return 0, ".."
			}
			return round1(sum / float64(w)), ""
		}
		if y == 0 {
			return 0, ".." // grade points of spring first: school year first-1 is not simulated
		}
		var sum, cnt int
		if r > 0 {
			sum, cnt = n.gspSum[y-1][r-1], n.gspN[y-1][r-1]
		} else {
			for m := range n.munis {
				sum, cnt = sum+n.gspSum[y-1][m], cnt+n.gspN[y-1][m]
			}
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
