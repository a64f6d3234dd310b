package emulator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The list of report pages and the published school contribution
// (skolebidrag, table SkolebidragG of the GSK schema; shared/docs/sources.md
// §1B and §5):
//
//	GET rest/v1/Rapportside
//	GET rest/v1/Rapportside/GSK_Skolebidrag_EMULATED
//	GET rest/v1/Statistikk/GSK/SkolebidragG/1/1/{filterVerdier|data}
//
// The list's shape is a GUESS (the real one is not documented; atlas only
// counted 136 pages): an array of {"id", "kode", "navn"}, one per emulated
// report page, by id.
//
// The real code of the school contribution's page is NOT KNOWN: it is
// served here under the emulator-only code GSK_Skolebidrag_EMULATED, which
// the connector does not depend on (it finds the page by its data endpoint
// among the listed ones). Its id, tekstIds and header labels are made up
// too (EMULATED):
//
//   - TidID: one value per published pooled pair of cohorts, the spring
//     year of the later cohort in month 06 (the end of its school year):
//     the pair of spring years 2023+2024 is TidID 202406 named "2023-24",
//     the school year in which the later cohort finished its level, as
//     the TidIDs of grunnskolepoeng are named.
//   - header levels: the year, the level ("1.-4. trinn", "5.-7. trinn",
//     "8.-10. trinn"; a level no school has in a pair is no column: no
//     8.-10. where the exams were cancelled), then the measures
//     "Skolebidrag" (scale points, one decimal), "Signifikans" (the text
//     "over", "ikke signifikant" or "under") and "Antall elever".
//   - filters: EnhetID, TidID and EierformID (only -10, "Alle eierformer";
//     anything else selects nothing). No level filter: every level comes
//     as columns.
//
// Values come from the simulator's truth (truth/school_effects_window:
// school, level, window, effect_z, n_pupils). A school's contribution is
// effect_z × 10 (scale points: the scale's SD is 10; for 8-10 the real one
// is in grade points) rounded to one decimal, over its pupils of the pair;
// a municipality's or county's the pupil-weighted mean of its schools'
// (unrounded), over their pupils. The flag is "over" or "under" when the
// unrounded contribution is above or below 0 by more than 1.96 × 10 / √n,
// else "ikke signifikant". Under 10 pupils every measure is "*"; with
// none, "". effect_z is not centred (the real indicators' national mean is
// 0). Without truth files (data that are not simulated) the page is not
// served, and the list does not name it.

// udirContributionKode is the emulator-only code of the school
// contribution's page.
const udirContributionKode = "GSK_Skolebidrag_EMULATED"

// udirContributionLevels are the levels of the truth files, in the order
// of the header.
var udirContributionLevels = []string{"1-4", "5-7", "8-10"}

// udirContributionSuppressBelow is the number of pupils under which a
// unit's measures are "*".
const udirContributionSuppressBelow = 10

// udirEffect is a school's true effect in one pair and level.
type udirEffect struct {
	n int64   // pupils of the pair; 0: none
	z float64 // effect_z
}

// udirContributionKey is a pair of cohorts (by the autumn year of the
// later cohort's school year) and a level (index into
// udirContributionLevels).
type udirContributionKey struct{ year, level int }

type udirContribution struct {
	years   []int // newest first
	effects map[udirContributionKey][]udirEffect
	has     []bool // by school: some pair, some level
}

// loadUdirContribution reads truth/school_effects_window.parquet; nil
// when there is none.
func loadUdirContribution(ctx context.Context, dir string, units []udirUnit) (*udirContribution, error) {
	path := filepath.Join(dir, "truth", "school_effects_window.parquet")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	school := map[string]int{}
	nSchools := 0
	for _, u := range units {
		if u.Nivaa == 4 {
			school[u.Kode] = u.School
			nSchools = max(nSchools, u.School+1)
		}
	}
	c := &udirContribution{effects: map[udirContributionKey][]udirEffect{}, has: make([]bool, nSchools)}
	f, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	fr, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer rr.Release()
	years := map[int]bool{}
	for rr.Next() {
		rec := rr.RecordBatch()
		col := func(name string) (arrow.Array, error) {
			idx := rec.Schema().FieldIndices(name)
			if len(idx) != 1 {
				return nil, fmt.Errorf("reading %s: no column %s", path, name)
			}
			return rec.Column(idx[0]), nil
		}
		var cols [5]arrow.Array
		for i, name := range []string{"school_orgnr", "level", "window", "effect_z", "n_pupils"} {
			if cols[i], err = col(name); err != nil {
				return nil, err
			}
		}
		org, okO := cols[0].(*array.String)
		level, okL := cols[1].(*array.String)
		window, okW := cols[2].(*array.String)
		z, okZ := cols[3].(*array.Float64)
		n, okN := cols[4].(*array.Int64)
		if !okO || !okL || !okW || !okZ || !okN {
			return nil, fmt.Errorf("reading %s: columns of unexpected types", path)
		}
		for i := range int(rec.NumRows()) {
			si, ok := school[org.Value(i)]
			if !ok {
				continue
			}
			l := -1
			for k, name := range udirContributionLevels {
				if level.Value(i) == name {
					l = k
				}
			}
			var first, later int
			if _, err := fmt.Sscanf(window.Value(i), "%d+%d", &first, &later); err != nil || later != first+1 || l < 0 {
				return nil, fmt.Errorf("reading %s: row %d: level %q, window %q", path, i, level.Value(i), window.Value(i))
			}
			if n.Value(i) <= 0 || z.IsNull(i) {
				continue
			}
			// The later cohort's school year ends in spring `later`.
			k := udirContributionKey{year: later - 1, level: l}
			eff := c.effects[k]
			if eff == nil {
				eff = make([]udirEffect, nSchools)
				c.effects[k] = eff
			}
			eff[si] = udirEffect{n: n.Value(i), z: z.Value(i)}
			c.has[si] = true
			years[k.year] = true
		}
	}
	if err := rr.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	for y := range years {
		c.years = append(c.years, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(c.years)))
	return c, nil
}

// cells are a unit's three measures in one pair and level.
func (c *udirContribution) cells(u udirUnit, year, level int) []string {
	eff := c.effects[udirContributionKey{year, level}]
	var n int64
	var sum float64
	for _, si := range u.Schools {
		if eff != nil && eff[si].n > 0 {
			n += eff[si].n
			sum += float64(eff[si].n) * eff[si].z
		}
	}
	switch {
	case n == 0:
		return []string{"", "", ""}
	case n < udirContributionSuppressBelow:
		return []string{"*", "*", "*"}
	}
	v := 10 * sum / float64(n)
	flag := "ikke signifikant"
	if se := 1.96 * 10 / math.Sqrt(float64(n)); v > se {
		flag = "over"
	} else if v < -se {
		flag = "under"
	}
	text := udirDecimal(v)
	if text == "-0,0" {
		text = "0,0"
	}
	return []string{text, flag, udirThousands(int(n))}
}

func (d *udirData) contributionTable() *udirTable {
	c := d.contribution
	t := &udirTable{ID: 9003, Kode: udirContributionKode, Navn: "Skolebidrag grunnskole (emulert)", Path: "rest/v1/Statistikk/GSK/SkolebidragG/1/1",
		TekstIDs: map[string]string{"Beskrivelse": "990001", "OmStatistikken": "990002", "rapport": "990003", "info": "990004"},
		Description: "Tabellen viser skolebidrag for 1.-4., 5.-7. og 8.-10. trinn: forskjellen mellom resultatene elevene oppnår og det de " +
			"forventes å oppnå gitt elevgrunnlaget, beregnet på to kull (emulert fra simulatorens sanne effekter; koden er laget).",
		Filters:  []string{"EierformID", "EnhetID", "TidID"},
		TidMonth: 6, YearTekst: "990010",
		Groups: []udirHeader{{Name: "1.-4. trinn", TekstID: "990011"}, {Name: "5.-7. trinn", TekstID: "990012"}, {Name: "8.-10. trinn", TekstID: "990013"}},
		HasGroup: func(year, group int) bool {
			return c.effects[udirContributionKey{year, group}] != nil
		},
		Measures: []udirHeader{{Name: "Skolebidrag", TekstID: "990020"}, {Name: "Signifikans", TekstID: "990021"},
			{Name: "Antall elever", TekstID: "990022"}},
		AllOnly: []string{"EierformID"},
		Years:   c.years,
	}
	t.Defaults = func() udirObject {
		return udirObject{{"EnhetID", []int64{-12}}, {"TidID", t.newest(1)}, {"EierformID", []int64{-10}}}
	}
	t.Lists = func() udirObject {
		return udirObject{{"EierformID", udirAll("Alle eierformer")}}
	}
	t.Cells = func(u udirUnit, col udirTableColumn) []string { return c.cells(u, col.Year, col.Group) }
	return t
}

// reportList is GET rest/v1/Rapportside: every emulated report page, by
// id, in a shape that is a guess.
func (d *udirData) reportList(w http.ResponseWriter, r *http.Request) {
	type entry struct {
		ID   int    `json:"id"`
		Kode string `json:"kode"`
		Navn string `json:"navn"`
	}
	var list []entry
	for _, rep := range udirReports {
		list = append(list, entry{rep.ID, rep.Kode, rep.Navn})
	}
	for _, t := range d.tables {
		list = append(list, entry{t.ID, t.Kode, strings.TrimSpace(t.Navn)})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	writeJSON(w, http.StatusOK, list)
}
