package emulator

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The udir reports whose years are TidID values, emulated over the
// simulated nation: GSK_GSPoeng and GSK_GSKarakterer from the grades
// (udirresults.go), GSK_Elev_Skol (GSI) and GSK_fravaer from the
// enrolments (udirpupils.go).
//
//	GET rest/v1/Rapportside/{kode}
//	GET {path}/filterVerdier
//	GET {path}/data?filter=…&radSti=…&inkluderKoder=true
//
// GSI and absence follow the captured real payloads of
// shared/conformance/udir/udir-gsi and udir-fravar: their pages (ids,
// paths with GSI at version 8, filters, defaults), their header levels
// with the real names and tekstIds (GSI's four measures share one tekstId
// under two levels both "Alle trinn"; absence has five measures), TidID
// 202510 = "2025-26" for GSI and 202506 = "2024-25" for absence. The
// grunnskolepoeng and grades reports have no captured payload: their
// pages and headers are made in the same style, with made-up report ids
// and tekstIds; grades put the subject first in the row path
// (FagID.1.<county>.<municipality>.<school>, sources.md §1B), so that a
// radSti for them starts with the subject's segment ("*" or a FagID). The
// data endpoints of those two are the tables ResultatG and ResultatFagG
// of the GSK schema; the real ones must be resolved from Rapportside.
//
// Only the "all" value of the breakdowns is emulated (KjoennID,
// EierformID, KommunalitetID, TrinnID -10): any other selects nothing.
// Quirks as in the national tests: values are strings with a decimal
// comma and space thousands, "*" suppressed, "" where there is no data, a
// comma between filter values is 400 «Feil format på filtrene!», a
// selection that exists nowhere is the empty result, some school names
// end in a space, and with drift on "rows" is called "rader".
//
// The school contribution (table SkolebidragG, udircontribution.go) and
// the transitions to upper secondary (table OvergangerG,
// udirtransitions.go) are served under made-up codes the connector does
// not depend on: it finds their pages through the list of report pages
// (GET rest/v1/Rapportside).

// udirTable is one report by TidID.
type udirTable struct {
	ID               int
	Kode, Navn, Path string
	TekstIDs         map[string]string
	Description      string
	Filters          []string // gyldigeFiltre
	// TidMonth is the month of the TidIDs: 10 (the count date 1 October,
	// GSI: 202510 is 2025-26) or 6 (the end of the school year: 202506 is
	// 2024-25).
	TidMonth  int
	YearTekst string
	// Groups, when set, are a header level of several cells after the year
	// (the school contribution's 1.-4., 5.-7. and 8.-10. trinn); HasGroup
	// says which a year has (a group no unit has in a year is no column).
	Groups   []udirHeader
	HasGroup func(year, group int) bool
	// Levels are the one-cell header levels between the year (and, for
	// grades, the grade type; or the group) and the measures.
	Levels   []udirHeader
	Measures []udirHeader
	// MeasureFilter selects measures by MeasureIDs (GSI's SpoersmaalID);
	// CountToggle (absence's VisAntallPersoner) shows the last measure
	// when 1.
	MeasureFilter string
	MeasureIDs    []int64
	CountToggle   string
	// AllOnly are the breakdown filters of which only -10 is emulated.
	AllOnly []string
	// Subjects: the rows come per subject (FagID) and the columns per
	// grade type (KaraktertypeID).
	Subjects bool
	// Defaults are filterDefaultVerdier in the real order; Lists the
	// filterVerdier lists after TidID and EnhetID.
	Defaults func() udirObject
	Lists    func() udirObject
	// Years are the autumn years with data, newest first.
	Years []int
	// Cells gives every measure of a unit for a column.
	Cells func(u udirUnit, c udirTableColumn) []string
}

// udirTableColumn is what one run of measures holds: a year, and for
// grades a grade type and the subject of the row.
type udirTableColumn struct {
	Year      int
	GradeType int // index into udirGradeTypes
	Subject   int // index into udirResults.subjects
	Group     int // index into udirTable.Groups
}

// udirGradeTypes are the KaraktertypeID values emulated.
var udirGradeTypes = []udirGradeType{{1, "Standpunktkarakter", "standpunkt"}, {3, "Skriftlig eksamen", "written_exam"}}

type udirGradeType struct {
	ID   int64
	Navn string
	Type string // the microdata grade_type
}

func (t *udirTable) tid(year int) int64 {
	if t.TidMonth == 10 {
		return int64(year)*100 + 10
	}
	return int64(year+1)*100 + int64(t.TidMonth)
}

func (t *udirTable) defaults(*udirData) udirObject { return t.Defaults() }

func (d *udirData) table(kode string) *udirTable {
	for _, t := range d.tables {
		if t.Kode == kode {
			return t
		}
	}
	return nil
}

// loadTables reads the grades and the enrolments and defines the reports
// over them.
func (d *udirData) loadTables(ctx context.Context, dir string) error {
	var err error
	if d.results, err = loadUdirResults(ctx, dir, d.units); err != nil {
		return err
	}
	if d.pupils, err = loadUdirPupils(ctx, dir, d.units); err != nil {
		return err
	}
	d.tables = []*udirTable{d.gradePointsTable(), d.gradesTable(), d.gsiTable(), d.absenceTable(), d.transitionsTable()}
	if d.contribution, err = loadUdirContribution(ctx, dir, d.units); err != nil {
		return err
	}
	if d.contribution != nil {
		d.tables = append(d.tables, d.contributionTable())
	}
	for _, t := range d.tables {
		switch t.Kode {
		case udirContributionKode:
			d.listBy(t.Kode, true, func(u udirUnit) bool { return d.contribution.has[u.School] })
		case udirTransitionsKode:
			d.listBy(t.Kode, false, func(u udirUnit) bool { return d.pupils.tenth[u.School] }) // no school rows
		case "GSK_Elev_Skol":
			d.listBy(t.Kode, true, func(u udirUnit) bool { return d.pupils.enrolled[u.School] })
		case "GSK_fravaer":
			d.listBy(t.Kode, true, func(u udirUnit) bool { return d.pupils.tenth[u.School] })
		default:
			d.listBy(t.Kode, true, func(u udirUnit) bool { return d.results.graded[u.School] })
		}
	}
	return nil
}

// newestYear is the default TidID list: the newest year (or the n newest).
func (t *udirTable) newest(n int) []int64 {
	out := []int64{}
	for _, y := range t.Years[:min(n, len(t.Years))] {
		out = append(out, t.tid(y))
	}
	slices.Sort(out)
	return out
}

// tableValues is GET {path}/filterVerdier.
func (d *udirData) tableValues(w http.ResponseWriter, t *udirTable) {
	var years []udirValue
	for _, y := range t.Years {
		id := t.tid(y)
		years = append(years, udirValue{ID: id, Kode: strconv.FormatInt(id, 10), Navn: udirYearName(y)})
	}
	body := append(udirObject{{"TidID", udirList(years...)}, {"EnhetID", d.enhetValues(t.Kode)}}, t.Lists()...)
	writeJSON(w, http.StatusOK, body)
}

// udirAll is the list of a breakdown of which only "all" is emulated.
func udirAll(navn string) []udirValue {
	return udirList(udirValue{ID: -10, Kode: "-10", Navn: navn})
}

// tableData is GET {path}/data?filter=…&radSti=…&inkluderKoder=true.
func (d *udirData) tableData(w http.ResponseWriter, r *http.Request, t *udirTable) {
	dq, ok := readUdirDataQuery(w, r)
	if !ok {
		return
	}
	f, path, hasPath, codes := dq.filter, dq.path, dq.hasPath, dq.codes
	defaults := map[string][]int64{}
	for _, kv := range t.Defaults() {
		defaults[kv.K] = kv.V.([]int64)
	}
	get := func(name string) []int64 {
		if v, ok := f[name]; ok {
			return v
		}
		return defaults[name]
	}

	tids := get("TidID")
	var cols []udirTableColumn
	for _, y := range t.Years {
		if !slices.Contains(tids, t.tid(y)) {
			continue
		}
		if !t.Subjects {
			if len(t.Groups) == 0 {
				cols = append(cols, udirTableColumn{Year: y})
			}
			for gi := range t.Groups {
				if t.HasGroup(y, gi) {
					cols = append(cols, udirTableColumn{Year: y, Group: gi})
				}
			}
			continue
		}
		types := get("KaraktertypeID")
		for gi, g := range udirGradeTypes {
			if slices.Contains(types, g.ID) {
				cols = append(cols, udirTableColumn{Year: y, GradeType: gi})
			}
		}
	}
	for _, name := range t.AllOnly {
		if !slices.Contains(get(name), -10) {
			cols = nil
		}
	}
	var measures []int
	for i := range t.Measures {
		switch {
		case t.MeasureFilter != "" && !slices.Contains(get(t.MeasureFilter), t.MeasureIDs[i]):
		case t.CountToggle != "" && i == len(t.Measures)-1 && !slices.Contains(get(t.CountToggle), 1):
		default:
			measures = append(measures, i)
		}
	}
	if len(measures) == 0 {
		cols = nil
	}
	var subjects []int // FagID selected, in list order
	if t.Subjects {
		ids := get("FagID")
		for i, s := range d.results.subjects {
			// A subject no one was graded in for the columns (one of the
			// other curriculum) has no rows.
			graded := slices.ContainsFunc(cols, func(c udirTableColumn) bool {
				return d.results.grades[udirGradeKey{Year: c.Year, Subject: i, GradeType: c.GradeType}] != nil
			})
			if graded && slices.Contains(ids, s.ID) {
				subjects = append(subjects, i)
			}
		}
	} else {
		subjects = []int{-1}
	}

	p := udirPivot{
		Metadata: udirMetadata{RowHierarchy: []string{"Nasjonalt", "Fylke", "Kommune", "Enhet"}, Columns: t.header(cols, measures)},
		Rows:     []udirRow{},
	}
	if t.Subjects {
		p.Metadata.RowHierarchy = append([]string{"Fag"}, p.Metadata.RowHierarchy...)
	}
	listed := d.listed[t.Kode]
	for _, id := range get("EnhetID") {
		a, ok := d.byID[id]
		if !ok || !listed[a] || len(cols) == 0 {
			continue
		}
		for _, s := range subjects {
			rest, prefix := path, ""
			if s >= 0 {
				fag := strconv.FormatInt(d.results.subjects[s].ID, 10)
				if hasPath && len(path) > 0 {
					if path[0] != "*" && path[0] != "**" && path[0] != fag {
						continue
					}
					if path[0] != "**" {
						rest = path[1:]
					}
				}
				prefix = fag + "."
			}
			d.rows(t.Kode, a, rest, hasPath, func(i int) {
				u := d.units[i]
				row := udirRow{Navn: u.Navn, ID: prefix + u.RowID}
				if codes {
					row.Kode = u.Kode
				}
				for _, c := range cols {
					c.Subject = s
					all := t.Cells(u, c)
					for _, m := range measures {
						row.Data = append(row.Data, all[m])
					}
				}
				p.Rows = append(p.Rows, row)
			})
		}
	}
	if d.drift {
		writeJSON(w, http.StatusOK, udirDrifted{Metadata: p.Metadata, Rader: p.Rows})
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// header builds the column levels: the year, the grade type (grades), the
// report's one-cell levels, the measures; a cell spans the run of leaves
// that share its value and every outer one.
func (t *udirTable) header(cols []udirTableColumn, measures []int) [][]udirHeader {
	type leaf struct {
		keys  []string
		cells []udirHeader
	}
	var leaves []leaf
	for _, c := range cols {
		for _, m := range measures {
			l := leaf{keys: []string{strconv.Itoa(c.Year)}, cells: []udirHeader{{Name: udirYearName(c.Year), TekstID: t.YearTekst}}}
			if t.Subjects {
				g := udirGradeTypes[c.GradeType]
				l.keys = append(l.keys, strconv.FormatInt(g.ID, 10))
				l.cells = append(l.cells, udirHeader{Name: g.Navn, TekstID: "190112"})
			}
			if len(t.Groups) > 0 {
				l.keys = append(l.keys, "group "+strconv.Itoa(c.Group))
				l.cells = append(l.cells, t.Groups[c.Group])
			}
			for _, h := range t.Levels {
				l.keys = append(l.keys, h.Name)
				l.cells = append(l.cells, h)
			}
			l.keys = append(l.keys, strconv.Itoa(m))
			l.cells = append(l.cells, t.Measures[m])
			leaves = append(leaves, l)
		}
	}
	levels := [][]udirHeader{}
	if len(leaves) == 0 {
		return levels
	}
	for k := range leaves[0].keys {
		var cells []udirHeader
		for j, l := range leaves {
			if j > 0 && slices.Equal(leaves[j-1].keys[:k+1], l.keys[:k+1]) {
				cells[len(cells)-1].ColumnCount++
				continue
			}
			h := l.cells[k]
			h.ColumnCount = 1
			cells = append(cells, h)
		}
		levels = append(levels, cells)
	}
	return levels
}

// udirDecimal writes v with one decimal and a decimal comma.
func udirDecimal(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1)
}
