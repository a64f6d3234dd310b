package emulator

import (
	"math"
	"strconv"
)

// The transitions from grunnskole to upper secondary (table OvergangerG
// of the GSK schema; shared/docs/sources.md §1B names the table and
// nothing else):
//
//	GET rest/v1/Rapportside/GSK_Overganger_EMULATED
//	GET rest/v1/Statistikk/GSK/OvergangerG/1/1/{filterVerdier|data}
//
// Everything about this page is a GUESS (EMULATED): the real page's code,
// its id, tekstIds, filters and header labels are not known. It is served
// under the emulator-only code GSK_Overganger_EMULATED, which the
// connector does not depend on (it finds the page by its data endpoint
// among the listed ones, as it finds the school contribution's):
//
//   - TidID: one value per school year with 10th graders, in month 06
//     (the end of the school year, when grade 10 is finished): TidID
//     202406 is named "2023-24", as the TidIDs of grunnskolepoeng are.
//   - header levels: the year, then the measures "Andel direkte til
//     videregående" (percent, one decimal) and "Antall elever". These
//     labels are INVENTED.
//   - rows: the nation, the counties and the municipalities; no schools.
//   - filters: EnhetID, TidID and EierformID (only -10, "Alle
//     eierformer"; anything else selects nothing).
//
// "Antall elever" is a unit's pupils who finished grade 10 in the school
// year: its enrolments in grade 10 on 1 October of that year (the
// simulated nation has no leavers' file). The share is SYNTHETIC: drawn
// from a hash of the unit's code and the year (no random state, so every
// run serves the same numbers), uniform in 96–99.5 %, then lowered (or
// raised) by 0.1 percentage point per grunnskolepoeng point the unit's
// mean grunnskolepoeng of the year lies below (above) the nation's, and
// kept within 96–99.5 %. It carries no information beyond that link to
// the grades, and a municipality's share is not a mean of its schools'.
// Under 10 pupils both measures are "*"; with none, "".

// udirTransitionsKode is the emulator-only code of the transitions page.
const udirTransitionsKode = "GSK_Overganger_EMULATED"

// udirTransitionsSuppressBelow is the number of pupils under which a
// unit's measures are "*", as the school contribution's.
const udirTransitionsSuppressBelow = udirContributionSuppressBelow

// The synthetic share's range, in percent, and its slope in percentage
// points per grunnskolepoeng point from the nation's mean.
const (
	udirTransitionsMin   = 96.0
	udirTransitionsMax   = 99.5
	udirTransitionsSlope = 0.1
)

// udirTransitionShare is the synthetic share of a unit in a year: h in
// [0, 1) spread over the range, plus the slope times gspDelta (the unit's
// mean grunnskolepoeng minus the nation's; 0 when either has none),
// within the range.
func udirTransitionShare(h, gspDelta float64) float64 {
	v := udirTransitionsMin + (udirTransitionsMax-udirTransitionsMin)*h + udirTransitionsSlope*gspDelta
	return math.Min(udirTransitionsMax, math.Max(udirTransitionsMin, v))
}

func (d *udirData) transitionsTable() *udirTable {
	years := d.pupils.tenthYears()
	// The nation's mean grunnskolepoeng by year: the root's, every school.
	nationGSP := map[int]float64{}
	for _, y := range years {
		if m, ok := d.units[0].sum(d.results.gsp[y]).mean(10); ok {
			nationGSP[y] = m
		}
	}
	t := &udirTable{ID: 9004, Kode: udirTransitionsKode, Navn: "Overganger fra grunnskole til videregående (emulert)",
		Path:     "rest/v1/Statistikk/GSK/OvergangerG/1/1",
		TekstIDs: map[string]string{"Beskrivelse": "990101", "OmStatistikken": "990102", "rapport": "990103", "info": "990104"},
		Description: "Tabellen viser hvor stor andel av elevene som gikk ut av 10. trinn som begynte direkte i videregående opplæring " +
			"(emulert: antall elever fra simulatorens 10. trinn, andelen syntetisk; koden og overskriftene er laget).",
		Filters:  []string{"EierformID", "EnhetID", "TidID"},
		TidMonth: 6, YearTekst: "990110",
		Measures: []udirHeader{{Name: "Andel direkte til videregående", TekstID: "990120"}, {Name: "Antall elever", TekstID: "990121"}},
		AllOnly:  []string{"EierformID"},
		Years:    years,
	}
	t.Defaults = func() udirObject {
		return udirObject{{"EnhetID", []int64{-12}}, {"TidID", t.newest(1)}, {"EierformID", []int64{-10}}}
	}
	t.Lists = func() udirObject {
		return udirObject{{"EierformID", udirAll("Alle eierformer")}}
	}
	t.Cells = func(u udirUnit, c udirTableColumn) []string {
		bySchool := d.pupils.absence[c.Year] // one entry per 10th grader
		n := 0
		for _, si := range u.Schools {
			if bySchool != nil {
				n += len(bySchool[si])
			}
		}
		switch {
		case n == 0:
			return []string{"", ""}
		case n < udirTransitionsSuppressBelow:
			return []string{"*", "*"}
		}
		delta := 0.0
		if m, ok := u.sum(d.results.gsp[c.Year]).mean(10); ok {
			if nm, ok := nationGSP[c.Year]; ok {
				delta = m - nm
			}
		}
		share := udirTransitionShare(udirHash(u.Kode, strconv.Itoa(c.Year), "overgang"), delta)
		return []string{udirDecimal(share), udirThousands(n)}
	}
	return t
}
