package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// County is a county (fylke) of the 2024 classification.
type County struct {
	Code  string  `json:"code"`
	Name  string  `json:"name"`
	Share float64 `json:"pupil_share"` // of the nation's pupils
	// Municipalities is the number of municipalities in 2024.
	Municipalities int `json:"municipalities"`
}

// Counties are the 15 counties of 2024 with their real codes, names and
// municipality counts (357 in all), and roughly Norway's pupil shares.
var Counties = []County{
	{"03", "Oslo", 0.100, 1},
	{"11", "Rogaland", 0.092, 23},
	{"15", "Møre og Romsdal", 0.048, 27},
	{"18", "Nordland", 0.043, 41},
	{"31", "Østfold", 0.057, 12},
	{"32", "Akershus", 0.136, 21},
	{"33", "Buskerud", 0.055, 18},
	{"34", "Innlandet", 0.063, 46},
	{"39", "Vestfold", 0.046, 6},
	{"40", "Telemark", 0.030, 17},
	{"42", "Agder", 0.059, 25},
	{"46", "Vestland", 0.118, 43},
	{"50", "Trøndelag", 0.088, 38},
	{"55", "Troms", 0.031, 21},
	{"56", "Finnmark", 0.014, 18},
}

// ASSS are the twelve members of the ASSS network with their real 2024 codes
// and names, and their approximate shares of the nation's pupils.
var ASSS = []struct {
	Code, Name string
	Share      float64
}{
	{"0301", "Oslo", 0.100},
	{"4601", "Bergen", 0.045},
	{"5001", "Trondheim", 0.035},
	{"1103", "Stavanger", 0.026},
	{"1108", "Sandnes", 0.017},
	{"4204", "Kristiansand", 0.021},
	{"5501", "Tromsø", 0.014},
	{"3201", "Bærum", 0.025},
	{"3203", "Asker", 0.019},
	{"3205", "Lillestrøm", 0.018},
	{"3301", "Drammen", 0.019},
	{"3107", "Fredrikstad", 0.015},
}

// Municipality is a municipality of the simulated nation.
type Municipality struct {
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	County string  `json:"county"`
	Share  float64 `json:"pupil_share"` // of the nation's pupils
	ASSS   bool    `json:"asss"`
	// SizeClass is small (under 40 pupils a cohort at scale 1), medium
	// (under 400) or large.
	SizeClass string `json:"size_class"`
	// SES is the municipality's shift of the pupils' socio-economic latent.
	SES float64 `json:"ses_shift"`
	// ImmigrantFactor multiplies the national shares of immigrant background.
	ImmigrantFactor float64 `json:"immigrant_factor"`

	// Schools of the municipality, by kind; indexes into nation.Schools.
	primary   []int // public schools with grade 1-7 (barneskoler and combined)
	lower     []int // public schools with grade 8-10, parallel to feeds
	feeds     []int // for each primary school: the lower-secondary school it feeds (index into nation.Schools)
	private1  []int // private 1-10 schools
	private8  []int // private 8-10 schools
	weights   []float64
	cumWeight []float64
}

// School is a school of the simulated nation.
type School struct {
	Orgnr        string
	Name         string
	Municipality int // index into nation.Municipalities
	Public       bool
	GradeFrom    int
	GradeTo      int
	// SES is the school's shift of its pupils' socio-economic latent
	// (segregation between schools within a municipality).
	SES float64
}

// nation is the geography and the schools: everything drawn before pupils.
type nation struct {
	Municipalities []Municipality
	Schools        []School
	cumShare       []float64 // cumulative municipality shares, for moves
}

// pupilsPerCohort is the size of a cohort at scale 1.0 (Norway).
const pupilsPerCohort = 60_000

// buildNation draws the municipalities and schools. Everything depends only
// on the seed and the scale.
func buildNation(seed uint64, scale float64) *nation {
	r := rand.New(rand.NewPCG(seed, 0x6e6174696f6e)) // "nation"
	n := &nation{}
	names := newNamer(r)
	for _, c := range Counties {
		var members []Municipality
		rest := c.Share
		for _, a := range ASSS {
			if a.Code[:2] == c.Code {
				members = append(members, Municipality{Code: a.Code, Name: a.Name, County: c.Code, Share: a.Share, ASSS: true})
				rest -= a.Share
			}
		}
		others := c.Municipalities - len(members)
		if others > 0 {
			// Lognormal weights: a few towns, many small rural municipalities.
			w := make([]float64, others)
			sum := 0.0
			for i := range w {
				w[i] = math.Exp(1.25 * r.NormFloat64())
				sum += w[i]
			}
			used := map[string]bool{}
			for _, m := range members {
				used[m.Code] = true
			}
			k := 1
			for i := range w {
				code := fmt.Sprintf("%s%02d", c.Code, k)
				for used[code] {
					k++
					code = fmt.Sprintf("%s%02d", c.Code, k)
				}
				used[code] = true
				k++
				members = append(members, Municipality{Code: code, Name: names.place(), County: c.Code, Share: rest * w[i] / sum})
			}
		}
		n.Municipalities = append(n.Municipalities, members...)
	}
	sort.Slice(n.Municipalities, func(i, j int) bool { return n.Municipalities[i].Code < n.Municipalities[j].Code })
	total := 0.0
	for _, m := range n.Municipalities {
		total += m.Share
	}
	cum := 0.0
	for i := range n.Municipalities {
		m := &n.Municipalities[i]
		m.Share /= total
		cum += m.Share
		n.cumShare = append(n.cumShare, cum)
		perCohort := m.Share * pupilsPerCohort
		switch {
		case perCohort < 40:
			m.SizeClass = "small"
		case perCohort < 400:
			m.SizeClass = "medium"
		default:
			m.SizeClass = "large"
		}
		// Bigger municipalities have more higher education and more
		// immigrants.
		m.SES = 0.12*math.Log(perCohort/150) + 0.1*r.NormFloat64()
		m.ImmigrantFactor = math.Min(2.2, math.Max(0.4, 0.55+0.18*math.Log(perCohort/20)+0.15*r.NormFloat64()))
		if m.Code == "0301" {
			m.ImmigrantFactor = 2.3
		}
		n.buildSchools(r, i, perCohort, scale, names)
	}
	return n
}

// buildSchools draws the schools of municipality mi. At scale 1.0 a
// municipality with fewer than 40 pupils a cohort has combined 1-10 schools
// only; larger ones have barneskoler (1-7) feeding ungdomsskoler (8-10),
// some combined schools in their rural parts, and private schools. At
// smaller scales the counts shrink with the scale, but every municipality
// keeps at least one school covering 1-7 and one covering 8-10.
func (n *nation) buildSchools(r *rand.Rand, mi int, perCohort1, scale float64, names *namer) {
	m := &n.Municipalities[mi]
	p := perCohort1 * scale // pupils a cohort at this scale
	used := map[string]bool{}
	add := func(kind string, public bool, from, to int) int {
		place := names.schoolPlace(used)
		name := place + " " + kind
		s := School{Orgnr: names.orgnr(), Name: name, Municipality: mi, Public: public, GradeFrom: from, GradeTo: to,
			SES: 0.3 * r.NormFloat64()}
		n.Schools = append(n.Schools, s)
		return len(n.Schools) - 1
	}
	// Catchment weights: lognormal, capped so that no barneskole grows far
	// past 800 pupils.
	weight := func() float64 { return min(3.5, math.Exp(0.6*r.NormFloat64())) }
	if perCohort1 < 40 || p < 25 {
		k := max(1, int(math.Round(p/14)))
		if perCohort1 >= 40 {
			k = 1
		}
		for range k {
			kind := "skole"
			if r.Float64() < 0.3 {
				kind = "oppvekstsenter"
			}
			s := add(kind, true, 1, 10)
			m.primary = append(m.primary, s)
			m.feeds = append(m.feeds, s)
			m.weights = append(m.weights, weight())
		}
	} else {
		nb := max(1, int(math.Round(p/36)))
		nu := max(1, int(math.Round(p/100)))
		var lower []int
		for range nu {
			lower = append(lower, add("ungdomsskole", true, 8, 10))
		}
		m.lower = lower
		// Each barneskole feeds one ungdomsskole; the ungdomsskoler get
		// about equal shares of the catchment weight.
		first := len(m.weights)
		total := 0.0
		for range nb {
			m.primary = append(m.primary, add("skole", true, 1, 7))
			m.weights = append(m.weights, weight())
			total += m.weights[len(m.weights)-1]
		}
		cum := 0.0
		for _, w := range m.weights[first:] {
			m.feeds = append(m.feeds, lower[min(nu-1, int((cum+w/2)/total*float64(nu)))])
			cum += w
		}
		// Rural parts: a few combined schools in medium municipalities.
		if m.SizeClass == "medium" {
			for range int(math.Round(p / 120)) {
				s := add("skole", true, 1, 10)
				m.primary = append(m.primary, s)
				m.feeds = append(m.feeds, s)
				m.weights = append(m.weights, 0.4*weight())
			}
		}
	}
	// Private schools, mostly in larger municipalities: about 4 % of the
	// pupils in about 9 % of the schools.
	if perCohort1 >= 120 || (perCohort1 >= 15 && r.Float64() < 0.08) {
		np := int(math.Round(p * 0.045 / 9))
		if np == 0 && r.Float64() < p*0.045/9 {
			np = 1
		}
		for range np {
			kinds := []string{"Montessoriskole", "Steinerskole", "Kristne Grunnskole", "friskole"}
			kind := kinds[r.IntN(len(kinds))]
			if r.Float64() < 0.3 {
				m.private8 = append(m.private8, add(kind, false, 8, 10))
			} else {
				m.private1 = append(m.private1, add(kind, false, 1, 10))
			}
		}
	}
	cum := 0.0
	for _, w := range m.weights {
		cum += w
		m.cumWeight = append(m.cumWeight, cum)
	}
}

// pickPrimary draws the catchment (index into m.primary) of a pupil.
func (m *Municipality) pickPrimary(u float64) int {
	x := u * m.cumWeight[len(m.cumWeight)-1]
	i, _ := slices.BinarySearch(m.cumWeight, x)
	return min(i, len(m.primary)-1)
}

// pickMunicipality draws a municipality by pupil share.
func (n *nation) pickMunicipality(u float64) int {
	i, _ := slices.BinarySearch(n.cumShare, u*n.cumShare[len(n.cumShare)-1])
	return min(i, len(n.Municipalities)-1)
}

// namer makes plausible Norwegian-looking place names from word parts (not
// real municipality names) and valid, unique organisation numbers.
type namer struct {
	r      *rand.Rand
	places map[string]bool
	orgnrs map[string]bool
}

func newNamer(r *rand.Rand) *namer {
	return &namer{r: r, places: map[string]bool{}, orgnrs: map[string]bool{}}
}

var (
	namePrefixes = []string{"Nord", "Sør", "Øst", "Vest", "Stor", "Lille", "Høy", "Lang", "Bjørk", "Fjell",
		"Sand", "Stein", "Eik", "Furu", "Lyng", "Elv", "Rype", "Ulv", "Bjørn", "Rogn", "Sol", "Kvit", "Svart",
		"Grøn", "Raud", "Hav", "Ør", "Myr", "Skog", "Gran", "Li", "Ås", "Mo", "Berg", "Strand", "Øy", "Hol",
		"Tjern", "Bekke", "Lunde", "Haga", "Vang", "Tor", "Rud", "Kleiv", "Nes", "Vik", "Dal"}
	nameSuffixes = []string{"dal", "vik", "nes", "fjord", "berg", "haug", "stad", "sund", "øy", "land",
		"vang", "heim", "bø", "seter", "eid", "ås", "mo", "li", "hamn", "voll", "rud", "bakken", "lia",
		"myra", "strand", "holmen", "åsen", "viken", "moen", "sand"}
)

// place returns a new place name, unique in the nation.
func (nm *namer) place() string {
	for {
		p := nm.r.IntN(len(namePrefixes))
		s := nm.r.IntN(len(nameSuffixes))
		name := namePrefixes[p] + nameSuffixes[s]
		if nm.r.Float64() < 0.15 {
			name = namePrefixes[nm.r.IntN(len(namePrefixes))] + strings.ToLower(name)
		}
		if !nm.places[name] {
			nm.places[name] = true
			return name
		}
	}
}

// schoolPlace returns a place name unused in used (one municipality).
func (nm *namer) schoolPlace(used map[string]bool) string {
	for {
		name := namePrefixes[nm.r.IntN(len(namePrefixes))] + nameSuffixes[nm.r.IntN(len(nameSuffixes))]
		if !used[name] {
			used[name] = true
			return name
		}
	}
}

// orgnr returns a new valid organisation number: nine digits, starting with
// 9 as schools' do, with the mod-11 check digit.
func (nm *namer) orgnr() string {
	for {
		d := make([]byte, 9)
		d[0] = 9
		d[1] = byte(7 + nm.r.IntN(3))
		for i := 2; i < 8; i++ {
			d[i] = byte(nm.r.IntN(10))
		}
		check, ok := orgnrCheck(d[:8])
		if !ok {
			continue
		}
		d[8] = check
		var b strings.Builder
		for _, x := range d {
			b.WriteByte('0' + x)
		}
		s := b.String()
		if !nm.orgnrs[s] {
			nm.orgnrs[s] = true
			return s
		}
	}
}

// orgnrCheck computes the mod-11 check digit of the first eight digits of an
// organisation number (weights 3 2 7 6 5 4 3 2); ok is false when the number
// cannot be completed (remainder 1).
func orgnrCheck(d []byte) (byte, bool) {
	weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, w := range weights {
		sum += int(d[i]) * w
	}
	c := 11 - sum%11
	switch c {
	case 11:
		return 0, true
	case 10:
		return 0, false
	}
	return byte(c), true
}

// ValidOrgnr reports whether s is nine digits with a correct mod-11 check
// digit.
func ValidOrgnr(s string) bool {
	if len(s) != 9 {
		return false
	}
	d := make([]byte, 9)
	for i := range 9 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		d[i] = s[i] - '0'
	}
	c, ok := orgnrCheck(d[:8])
	return ok && c == d[8]
}

// orgnrs returns the schools' organisation numbers, by school index: the
// vocabulary of every school_orgnr column.
func (n *nation) orgnrs() []string {
	out := make([]string, len(n.Schools))
	for i, s := range n.Schools {
		out[i] = s.Orgnr
	}
	return out
}
