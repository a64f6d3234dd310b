package emulator

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// The GSI (GSK_Elev_Skol) and absence (GSK_fravaer) reports, from the
// simulated enrolments.
//
// The pupils of a unit are its enrolments on 1 October, all grades; its
// schools those with at least one. Special education and adapted
// Norwegian, and absence, are not in the microdata: they are SYNTHETIC,
// drawn per pupil and school year from a hash of the pupil id, the year
// and the school's org.nr (no random state, so every run serves the same
// numbers), so that a municipality's numbers are the sums (absence: the
// medians and means) of its schools' pupils. The rates and scales are set
// near the real 2024-25 national figures of the captured payloads (about
// 9 % special education, 6 % adapted Norwegian; median absence 9 days and
// 8 hours, mean about 13 of each); they carry no information.

// udirCounts are a school's GSI numbers in one year.
type udirCounts struct{ pupils, special, adapted int }

// udirAbsence is one 10th grade pupil's absence on the diploma.
type udirAbsence struct{ days, hours int32 }

type udirPupils struct {
	years    []int // with enrolments, newest first
	gsi      map[int][]udirCounts
	absence  map[int][][]udirAbsence // year → school → its 10th graders
	enrolled []bool                  // by school: some pupil, some year
	tenth    []bool                  // by school: some 10th grader, some year
}

// udirHash is a uniform number in [0, 1) from the parts.
func udirHash(parts ...string) float64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return float64(h.Sum64()>>11) / (1 << 53)
}

// loadUdirPupils reads the enrolments.
func loadUdirPupils(ctx context.Context, dir string, units []udirUnit) (*udirPupils, error) {
	school := map[string]int{}
	orgnr := map[int]string{}
	nSchools := 0
	for _, u := range units {
		if u.Nivaa == 4 {
			school[u.Kode], orgnr[u.School] = u.School, u.Kode
			nSchools = max(nSchools, u.School+1)
		}
	}
	p := &udirPupils{gsi: map[int][]udirCounts{}, absence: map[int][][]udirAbsence{},
		enrolled: make([]bool, nSchools), tenth: make([]bool, nSchools)}
	// The schools' rates in a year, drawn once.
	type rates struct{ special, adapted, absence float64 }
	schoolRates := map[[2]int]rates{}
	rateOf := func(si, year int) rates {
		k := [2]int{si, year}
		r, ok := schoolRates[k]
		if !ok {
			y := strconv.Itoa(year)
			r = rates{
				special: 0.09 * (0.5 + udirHash(orgnr[si], y, "spesialundervisning")),
				adapted: 0.06 * 2 * udirHash(orgnr[si], y, "forsterket norsk"),
				absence: 0.7 + 0.6*udirHash(orgnr[si], y, "fravær"),
			}
			schoolRates[k] = r
		}
		return r
	}
	err := microdata.Each(ctx, dir, "enrolments", func(rec arrow.RecordBatch) error {
		pupil, year, grade, org := rec.Column(0).(*array.String), rec.Column(1).(*array.Int32), rec.Column(2).(*array.Int32), rec.Column(3).(*array.String)
		for i := range int(rec.NumRows()) {
			si, ok := school[org.Value(i)]
			if !ok {
				continue
			}
			y := int(year.Value(i))
			c := p.gsi[y]
			if c == nil {
				c = make([]udirCounts, nSchools)
				p.gsi[y] = c
			}
			r := rateOf(si, y)
			id, ys := pupil.Value(i), strconv.Itoa(y)
			c[si].pupils++
			if udirHash(id, ys, "spesialundervisning") < r.special {
				c[si].special++
			}
			if udirHash(id, ys, "forsterket norsk") < r.adapted {
				c[si].adapted++
			}
			p.enrolled[si] = true
			if grade.Value(i) != 10 {
				continue
			}
			a := p.absence[y]
			if a == nil {
				a = make([][]udirAbsence, nSchools)
				p.absence[y] = a
			}
			// Exponential around a mean of 13 days and 13 hours, scaled by
			// the school's rate, in whole days and hours.
			days := math.Floor(-math.Log(1-udirHash(id, ys, "fraværsdager")) * 13 * r.absence)
			hours := math.Floor(-math.Log(1-udirHash(id, ys, "fraværstimer")) * 13 * r.absence)
			a[si] = append(a[si], udirAbsence{days: int32(min(days, 190)), hours: int32(min(hours, 999))})
			p.tenth[si] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the simulated enrolments: %w", err)
	}
	for y := range p.gsi {
		p.years = append(p.years, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(p.years)))
	return p, nil
}

// udirGSISuppressAtMost: a count of special education or adapted
// Norwegian from 1 to this is "*" (the real files show 0 and counts from
// 6, and "*" between).
const udirGSISuppressAtMost = 5

func (d *udirData) gsiTable() *udirTable {
	t := &udirTable{ID: 121, Kode: "GSK_Elev_Skol", Navn: "Elever og skoler", Path: "rest/v1/Statistikk/GSK/GSI/1/8",
		TekstIDs:    map[string]string{"Beskrivelse": "152312", "OmStatistikken": "152310", "rapport": "183982", "info": "152311"},
		Description: "Tabellen viser hvor mange elever som finnes i grunnskolen per 1. oktober. Det er også tall for antall elever med individuelt tilrettelagt opplæring, antall elever med forsterket opplæring i norsk, og antall skoler.",
		Filters:     []string{"EnhetID", "KjoennID", "KommunalitetID", "SpoersmaalID", "TidID", "TrinnID"},
		TidMonth:    10, YearTekst: "183970",
		Levels: []udirHeader{{Name: "Alle trinn", TekstID: "183973"}, {Name: "Alle trinn", TekstID: "183975"},
			{Name: "Alle kjønn", TekstID: "183966"}, {Name: "Alle eierformer", TekstID: "183967"}},
		Measures: []udirHeader{{Name: "Antall elever", TekstID: "183972"},
			{Name: "Antall elever med individuelt tilrettelagt opplæring/spesialundervisning", TekstID: "183972"},
			{Name: "Antall elever med forsterket opplæring i norsk", TekstID: "183972"}, {Name: "Antall skoler", TekstID: "183972"}},
		MeasureFilter: "SpoersmaalID", MeasureIDs: []int64{1, 2, 3, 5},
		AllOnly: []string{"TrinnID", "KjoennID", "KommunalitetID"},
		Years:   d.pupils.years,
	}
	t.Defaults = func() udirObject {
		return udirObject{{"EnhetID", []int64{-12}}, {"TidID", t.newest(1)}, {"TrinnID", []int64{-10}}, {"KjoennID", []int64{-10}},
			{"KommunalitetID", []int64{-10}}, {"SpoersmaalID", []int64{1, 2, 3, 5}}}
	}
	t.Lists = func() udirObject {
		var measures []udirValue
		for i, m := range t.Measures {
			measures = append(measures, udirValue{ID: t.MeasureIDs[i], Kode: strconv.FormatInt(t.MeasureIDs[i], 10), Navn: m.Name})
		}
		return udirObject{{"TrinnID", udirAll("Alle trinn")}, {"KjoennID", udirAll("Alle kjønn")},
			{"KommunalitetID", udirAll("Alle eierformer")}, {"SpoersmaalID", udirList(measures...)}}
	}
	t.Cells = func(u udirUnit, c udirTableColumn) []string {
		bySchool := d.pupils.gsi[c.Year]
		var sum udirCounts
		schools := 0
		for _, si := range u.Schools {
			if bySchool == nil || bySchool[si].pupils == 0 {
				continue
			}
			schools++
			sum.pupils += bySchool[si].pupils
			sum.special += bySchool[si].special
			sum.adapted += bySchool[si].adapted
		}
		if sum.pupils == 0 {
			return []string{"", "", "", ""}
		}
		small := func(n int) string {
			if n >= 1 && n <= udirGSISuppressAtMost {
				return "*"
			}
			return udirThousands(n)
		}
		return []string{udirThousands(sum.pupils), small(sum.special), small(sum.adapted), udirThousands(schools)}
	}
	return t
}

// udirAbsenceSuppressBelow is the number of 10th graders under which a
// unit's absence is "*" in all five measures (the real 2024-25 file
// shows units from 7 pupils).
const udirAbsenceSuppressBelow = 5

// tenthYears are the years with some 10th grader, newest first: the
// years of the absence and transitions pages.
func (p *udirPupils) tenthYears() []int {
	var years []int
	for _, y := range p.years {
		if p.absence[y] != nil {
			years = append(years, y)
		}
	}
	return years
}

func (d *udirData) absenceTable() *udirTable {
	years := d.pupils.tenthYears()
	t := &udirTable{ID: 82, Kode: "GSK_fravaer", Navn: "Fravær i grunnskole", Path: "rest/v1/Statistikk/GSK/FravaerG/1/1",
		TekstIDs:    map[string]string{"Beskrivelse": "137387", "OmStatistikken": "137364", "rapport": "137386", "info": "137385"},
		Description: "Tabellen viser medianen for antall dager og timer fravær for elever på 10. trinn, slik det er ført på vitnemålet (emulert, syntetiske tall).",
		Filters:     []string{"EierformID", "EnhetID", "KjoennID", "TidID", "VisAntallPersoner", "VisMaaltall"},
		TidMonth:    6, YearTekst: "137365",
		Levels: []udirHeader{{Name: "Alle eierformer", TekstID: "137366"}, {Name: "Alle kjønn", TekstID: "137371"}},
		Measures: []udirHeader{{Name: "Median dager", TekstID: "137374"}, {Name: "Median timer", TekstID: "137375"},
			{Name: "Snitt dager", TekstID: "137372"}, {Name: "Snitt timer", TekstID: "137373"}, {Name: "Antall elever", TekstID: "137376"}},
		CountToggle: "VisAntallPersoner",
		AllOnly:     []string{"EierformID", "KjoennID"},
		Years:       years,
	}
	t.Defaults = func() udirObject {
		return udirObject{{"VisAntallPersoner", []int64{1}}, {"VisMaaltall", []int64{0}}, {"EnhetID", []int64{-12}},
			{"TidID", t.newest(3)}, {"EierformID", []int64{-10}}, {"KjoennID", []int64{-10}}}
	}
	t.Lists = func() udirObject {
		return udirObject{{"EierformID", udirAll("Alle eierformer")}, {"KjoennID", udirAll("Alle kjønn")},
			{"VisAntallPersoner", udirList(udirValue{ID: 0, Kode: "Skjul", Navn: "Skjul"}, udirValue{ID: 1, Kode: "Vis", Navn: "Vis"})},
			{"VisMaaltall", udirList(udirValue{ID: 0, Kode: "Skjul", Navn: "Skjul"})}}
	}
	t.Cells = func(u udirUnit, c udirTableColumn) []string {
		bySchool := d.pupils.absence[c.Year]
		var days, hours []int32
		for _, si := range u.Schools {
			if bySchool == nil {
				break
			}
			for _, a := range bySchool[si] {
				days, hours = append(days, a.days), append(hours, a.hours)
			}
		}
		switch n := len(days); {
		case n == 0:
			return []string{"", "", "", "", ""}
		case n < udirAbsenceSuppressBelow:
			return []string{"*", "*", "*", "*", "*"}
		}
		return []string{udirDecimal(udirMedian(days)), udirDecimal(udirMedian(hours)),
			udirDecimal(udirMean(days)), udirDecimal(udirMean(hours)), udirThousands(len(days))}
	}
	return t
}

// udirMedian is the median of xs (the mean of the middle two of an even
// number); it sorts xs.
func udirMedian(xs []int32) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return float64(xs[n/2])
	}
	return float64(xs[n/2-1]+xs[n/2]) / 2
}

func udirMean(xs []int32) float64 {
	var s float64
	for _, x := range xs {
		s += float64(x)
	}
	return s / float64(len(xs))
}
