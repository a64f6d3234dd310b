package emulator

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"net/http"
	"slices"
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
// for six tables derived from the simulated nation, each the same on
// every start. Ordinary tables (ssbtables.go) have Region ("0" hele
// landet, then the municipalities); KOSTRA tables (ssbkostra.go) have
// KOKkommuneregion0000 (EAK landet, EAKUO landet uten Oslo, then the
// municipalities), where EAK and EAKUO are SSB's own totals over every
// municipality, those that did not report included. A year T of a KOSTRA
// table is school year T (pupils on 1 October T) and accounting year T.
//
//   - 07459 Befolkning: Region, Kjonn (1, 2), Alder (000-104, 105+),
//     ContentsCode Personer1, Tid: the population on 1 January of year T.
//     Ages 6-15 are the pupils enrolled in school year T-1 (age = T-1 -
//     birth year, by the school's municipality) plus 0-2 residents who are
//     in no school (a hash of the cell); the other ages are synthetic (the
//     mean of those ages, shaped by age, plus the same kind of excess). With
//     every age the table has more than 800,000 cells.
//   - 11980 Elever i grunnskolen: Region (and 2111 Longyearbyen whose cells
//     are all "."), Trinn (01-10), ContentsCode Elever, Tid = school year
//     (autumn year): pupils enrolled on 1 October. A count of 1-4 is null
//     with ":" (0 is shown).
//   - 09429 Befolkningens utdanningsnivå: Region (and 2111, all "."), Nivaa
//     (00 i alt, 01, 02a, 11, 03a, 04a, 09a), Kjonn (1, 2; eliminable),
//     ContentsCode Personer, Tid T: the population aged 16 and over (07459's
//     ages 16-105+ of Tid T+1, both genders) spread over the levels in the
//     proportions of the parent_education of the pupils enrolled in the
//     municipality's schools in school year T (table09429 gives the rule).
//     ".." where no pupil is enrolled.
//   - 12255 KOSTRA grunnskole: ContentsCode KOSgrstr20000 (gruppestørrelse
//     2, synthetic: pupils per school of the municipality mapped onto 8-18,
//     plus a jitter), KOSregnind20000 (net operating expenditure of 12367's
//     functions 202, 215, 222 and 223, konsern, in NOK per inhabitant 6-15
//     of 07459 on 1 January T+1; ".." where 12367 is) and
//     KOSgrunnskolepoe0000 (grunnskolepoeng computed from the simulated
//     grades as shared/spec/indicators.md §2 says, by the municipality of
//     the school, one decimal; grade points of the pupils finishing in
//     spring T, school year T-1). Grade points are ".." for the first year
//     (no grades simulated before) and where no pupil has any, ":" where
//     1-4 pupils have them.
//   - 12222 KOSTRA spesialundervisning: ContentsCode KOSelevspesund0000 (the
//     pupils of school year T receiving special education: a share of the
//     enrolled pupils fixed per municipality and year, 5.0-9.0 %) and
//     KOSandelspesund0000 (that count in percent of the enrolled, one
//     decimal). ".." where no pupil is enrolled, ":" for a count of 1-4.
//   - 12367 KOSTRA regnskap: KOKregnskapsomfa0000 (A konsern, B kasse),
//     KOKfunksjon0000 (202, 215, 222, 223), KOKart0000 (AGD10 brutto, AGD2
//     netto driftsutgifter), ContentsCode KOSbelop0000 (NOK 1000), Tid:
//     synthetic expenditure in proportion to the pupils of school year T,
//     in function 202 NOK 105,000 + 95,000*150/(pupils+150) per pupil (so
//     more in small municipalities), 3 % more a year, a jitter of -5 to +5
//     % (ssbAccounts gives the rule). About one
//     municipality in 40 has not reported a year: all its cells are "..".
//
// The variable and content codes of 11980, 12222 and 12367 are the
// connector's UNVERIFIED guesses (connectors/ssb/tables.go); the emulation
// serves them so that the pipeline runs offline, which says nothing of the
// real tables.
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
	// parentEdu[y][m][e]: enrolled in school year first+y whose
	// parent_education is microdata.ParentEducations[e].
	parentEdu [][][5]int
	// gspSum, gspN [y][m]: grade points (in tenths, exact) of the pupils
	// finishing grade 10 in school year first+y, by the municipality of
	// their school.
	gspSum [][]int
	gspN   [][]int
	// oslo is the index of 0301 in munis, -1 when the nation has none.
	oslo int
	acct *ssbAccounts // computed by accounts
}

// loadSSB computes the tables from the simulated nation.
func loadSSB(ctx context.Context, sn *simNation, drift bool) (*ssbData, error) {
	n, err := readSSBNation(ctx, sn)
	if err != nil {
		return nil, err
	}
	d := &ssbData{tables: map[string]*ssbTable{}, drift: drift}
	before := codesBefore2024(sn)
	for _, t := range []*ssbTable{n.table07459(), n.table11980(), n.table09429(), n.table12255(), n.table12222(), n.table12367()} {
		withCodesOfTheYear(t, before)
		d.tables[t.id] = t
	}
	return d, nil
}

// withCodesOfTheYear makes t publish each year in the municipality codes of
// that year, as SSB does: the region variable also lists the codes used
// before reformYear (before maps today's code to the old one); an old code
// has its municipality's figures for the years before the reform and "."
// after, today's code "." before. Totals (the nation) are unchanged.
func withCodesOfTheYear(t *ssbTable, before map[string]string) {
	ri, ti := -1, -1
	for i, d := range t.dims {
		switch d.role {
		case "geo":
			ri = i
		case "time":
			ti = i
		}
	}
	if ri < 0 || ti < 0 || len(before) == 0 {
		return
	}
	region := t.dims[ri]
	today := map[int]int{}   // position of an old code → position of today's
	hasOld := map[int]bool{} // positions of today's codes that had another
	codes, labels := slices.Clone(region.codes), slices.Clone(region.labels)
	for p, c := range region.codes {
		if old, ok := before[c]; ok {
			today[len(codes)] = p
			hasOld[p] = true
			codes, labels = append(codes, old), append(labels, region.labels[p])
		}
	}
	moved := newSSBDim(region.code, region.label, codes, labels)
	moved.elim, moved.elimCode, moved.role = region.elim, region.elimCode, region.role
	t.dims[ri] = moved
	years := t.dims[ti].codes
	inner := t.cell
	t.cell = func(pos []int) (float64, string) {
		y, _ := strconv.Atoi(years[pos[ti]])
		r := pos[ri]
		if p, old := today[r]; old {
			if y >= reformYear {
				return 0, "."
			}
			pos[ri] = p
			v, sym := inner(pos)
			pos[ri] = r
			return v, sym
		}
		if hasOld[r] && y < reformYear {
			return 0, "."
		}
		return inner(pos)
	}
}

func readSSBNation(ctx context.Context, sn *simNation) (*ssbNation, error) {
	dir := sn.Dir
	n := &ssbNation{first: sn.First, last: sn.Last, muniIdx: map[string]int{}, oslo: -1}
	for _, m := range sn.Municipalities { // sorted by code
		if m.Code == "0301" {
			n.oslo = len(n.munis)
		}
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
	n.parentEdu = make([][][5]int, years)
	for y := range years {
		n.parentEdu[y] = make([][5]int, munis)
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
		edu   int8 // index in microdata.ParentEducations
	}
	pupils := map[string]pupil{}
	err := microdata.Each(ctx, dir, "pupils", func(rec arrow.RecordBatch) error {
		id, birth, gender := rec.Column(0).(*array.String), rec.Column(1).(*array.Int32), rec.Column(2).(*array.String)
		edu := rec.Column(4).(*array.String)
		for i := range int(rec.NumRows()) {
			e := slices.Index(microdata.ParentEducations, edu.Value(i))
			if e < 0 {
				return fmt.Errorf("pupil %s has parent_education %q, which the contract does not list", id.Value(i), edu.Value(i))
			}
			pupils[strings.Clone(id.Value(i))] = pupil{birth: birth.Value(i), girl: gender.Value(i) == "J", edu: int8(e)}
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
			n.parentEdu[y][m][p.edu]++
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
