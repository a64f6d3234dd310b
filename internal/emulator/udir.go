package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors/microdata"
)

// The udir report API emulation (shared/docs/sources.md §1B): here the two
// national test reports, over the simulated national_tests (the reports by
// TidID are in udirtable.go, the list of report pages and the school
// contribution in udircontribution.go):
//
//	GET rest/v1/Rapportside/{GSK_NP_Geografisk|GSK_NP_Geo_Trinn5}
//	GET rest/v1/Statistikk/GSK/NasjonaleProever/{1/1|4/1}/filterVerdier
//	GET rest/v1/Statistikk/GSK/NasjonaleProever/{1/1|4/1}/data?filter=…&radSti=…&inkluderKoder=true
//
// The payloads have the shape of the captured real ones in
// shared/conformance/udir/udir-nasjonale-prover: the same keys in the same
// order (the report element's duplicate rapportelementtypenavn included),
// every value a string with a decimal comma and space thousands separator,
// "*" for all three measures of a unit where fewer than 10 took the test, ""
// where nobody did, the empty result for 9th grade English, years only
// from 2022-23, and barn lists naming units the list leaves out. Ids are
// made up but stable: EnhetIDs are negative for the nation (-12), counties
// and municipalities and positive for schools, and the pivot's row ids are
// other keys (nation 1, counties from 10, municipalities from 100, schools
// from 10000), as the real row ids are not EnhetIDs.
//
// Not emulated: gender (KjoennID offers only -10, "Alle kjønn"), the
// Vis* breakdowns other than VisAntallRaderDeltatt, Utlandet (-13), CSV,
// filterSpec and filterStatus. Filter names a report does not take are
// ignored; values not in its filterVerdier select nothing. With drift on,
// the data responses call "rows" "rader".

func init() {
	register(api{name: "udir", prefix: UdirPrefix, mount: func(ctx context.Context, n *simNation, opt Options, mux *http.ServeMux, prefix string) error {
		d, err := loadUdir(ctx, n, opt.Drift)
		if err != nil {
			return err
		}
		d.routes(mux, prefix)
		return nil
	}})
}

// udirFirstYear is the first school year (autumn) the reports hold: the
// scale changed in 2022-23 and udir removed the older results.
const udirFirstYear = 2022

// udirSuppressBelow is the number of participants under which a unit's
// measures are "*".
const udirSuppressBelow = 10

// udirSubject is a test (ProevetypeID).
type udirSubject struct {
	ID         int64
	Kode, Navn string
	Name       string // the microdata subject
}

var udirSubjects = []udirSubject{
	{ID: 3, Kode: "NPENG", Navn: "Engelsk", Name: "english"},
	{ID: 2, Kode: "NPLES", Navn: "Lesing", Name: "reading"},
	{ID: 1, Kode: "NPREG", Navn: "Regning", Name: "numeracy"},
}

// udirOwner is an EierformID value.
type udirOwner struct {
	ID         int64
	Kode, Navn string
	keep       func(public bool) bool
}

var udirOwners = []udirOwner{
	{-10, "-10", "Alle eierformer", func(bool) bool { return true }},
	{8, "3", "Offentlig skole", func(p bool) bool { return p }},
	{2, "4", "Privat eiet", func(p bool) bool { return !p }},
}

// udirReport is one of the two report pages.
type udirReport struct {
	ID           int
	Kode, Navn   string
	Path         string // data endpoint minus "/data"
	Grades       []int  // 8, 9 or 5
	HasGrade     bool   // takes TrinnID
	Element      int    // rapportelementnr
	TekstIDs     map[string]string
	Description  string
	ElementTitle string
	// ColumnTekst is tekstId_kolonne per header level: year, test, grade,
	// owner, gender, then the three measures.
	ColumnTekst [8]string
}

var udirReports = []*udirReport{
	{ID: 71, Kode: "GSK_NP_Geografisk", Navn: "Nasjonale prøver ungdomstrinn", Path: "rest/v1/Statistikk/GSK/NasjonaleProever/1/1",
		Grades: []int{8, 9}, HasGrade: true, Element: 1,
		TekstIDs:     map[string]string{"Beskrivelse": "19816", "OmStatistikken": "19714", "rapport": "19812", "info": "21304"},
		Description:  "Tabellen viser resultater for nasjonale prøver i engelsk, lesing og regning på 8. trinn, og lesing og regning på 9. trinn (emulert).",
		ElementTitle: "Resultater for nasjonale prøver, 8. og 9. trinn",
		ColumnTekst:  [8]string{"19717", "19723", "19724", "19722", "19725", "19727", "19728", "19729"}},
	{ID: 70, Kode: "GSK_NP_Geo_Trinn5", Navn: "Nasjonale prøver 5. trinn", Path: "rest/v1/Statistikk/GSK/NasjonaleProever/4/1",
		Grades: []int{5}, Element: 2,
		TekstIDs:     map[string]string{"Beskrivelse": "19817", "OmStatistikken": "19715", "rapport": "19815", "info": "21305"},
		Description:  "Tabellen viser resultater for nasjonale prøver i engelsk, lesing og regning på 5. trinn (emulert).",
		ElementTitle: "Resultater for nasjonale prøver, 5. trinn",
		ColumnTekst:  [8]string{"19736", "19742", "19743", "19741", "19744", "19746", "19747", "19748"}},
}

// udirTrinnID is the TrinnID of a grade (grade minus one).
func udirTrinnID(grade int) int64 { return int64(grade - 1) }

// udirUnit is a node of the EnhetID tree.
type udirUnit struct {
	ID         int64
	Kode, Navn string // Navn as sent (some schools' with a trailing space)
	Nivaa      int
	Key        int    // row key in the pivot's ids
	RowID      string // dotted row path
	Indeks     int    // position in the complete list
	Parent     int    // index in udirData.units, -1 for the root
	Children   []int  // all children, complete-list order
	Public     bool   // schools
	Grades     [2]int // schools: grade_from, grade_to
	School     int    // schools: index in udirData.schoolStats columns
	Schools    []int  // every school under the unit (itself for a school), school indexes
}

// udirCombo is one year, grade and subject.
type udirCombo struct {
	Year, Grade int
	Subject     string
}

// udirStat sums the scale scores of the participants.
type udirStat struct {
	N        int
	Sum, Sq  float64
	Recorded bool // some pupil of the unit has a record (any status)
}

func (s *udirStat) add(o udirStat) {
	s.N += o.N
	s.Sum += o.Sum
	s.Sq += o.Sq
	s.Recorded = s.Recorded || o.Recorded
}

type udirData struct {
	units []udirUnit // complete list: root, nation, counties, municipalities, schools, depth first
	byID  map[int64]int
	years []int // with results, newest first
	// stats[combo][school] is a school's sum for the combo.
	stats map[udirCombo][]udirStat
	// listed[report kode] says which units the report's EnhetID list
	// holds; children[report kode][unit] are the listed children sorted by
	// name, the order of the pivot's rows.
	listed   map[string][]bool
	children map[string][][]int
	public   []bool // by school index
	drift    bool
	// The reports by TidID (udirtable.go) and what they are computed from.
	tables  []*udirTable
	results *udirResults
	pupils  *udirPupils
	// contribution is the simulator's true school contribution
	// (udircontribution.go); nil when the data have no truth.
	contribution *udirContribution
}

// loadUdir builds the unit tree of the simulated nation and the
// per-school sums of its national tests.
func loadUdir(ctx context.Context, n *simNation, drift bool) (*udirData, error) {
	d := &udirData{byID: map[int64]int{}, stats: map[udirCombo][]udirStat{}, drift: drift,
		listed: map[string][]bool{}, children: map[string][][]int{}}
	d.buildTree(n.Counties, n.Municipalities, n.Schools)
	if err := d.loadTests(ctx, n.Dir); err != nil {
		return nil, err
	}
	for _, rep := range udirReports {
		d.list(rep)
	}
	if err := d.loadTables(ctx, n.Dir); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *udirData) buildTree(counties []simCounty, munis []simMunicipality, schools []simSchool) {
	counties = slices.Clone(counties)
	munis = slices.Clone(munis)
	sort.Slice(counties, func(i, j int) bool { return counties[i].Code < counties[j].Code })
	sort.Slice(munis, func(i, j int) bool { return munis[i].Code < munis[j].Code })
	countyAt := map[string]int{}
	for i, c := range counties {
		countyAt[c.Code] = i
	}
	muniAt := map[string]int{}
	for i, m := range munis {
		muniAt[m.Code] = i
	}
	d.public = make([]bool, len(schools))
	for i, s := range schools {
		d.public[i] = s.Public
	}
	add := func(u udirUnit, parent int) int {
		u.Parent = parent
		d.units = append(d.units, u)
		i := len(d.units) - 1
		d.byID[u.ID] = i
		if parent >= 0 {
			d.units[parent].Children = append(d.units[parent].Children, i)
		}
		return i
	}
	root := add(udirUnit{ID: -10, Kode: "Alle", Navn: "Hele landet", Nivaa: 0}, -1)
	nation := add(udirUnit{ID: -12, Kode: "I", Navn: "Hele landet", Nivaa: 1, Key: 1, RowID: "1"}, root)
	byName := func(idx []int, name func(int) string) {
		sort.SliceStable(idx, func(a, b int) bool { return name(idx[a]) < name(idx[b]) })
	}
	cIdx := make([]int, len(counties))
	for i := range cIdx {
		cIdx[i] = i
	}
	byName(cIdx, func(i int) string { return counties[i].Name })
	for _, ci := range cIdx {
		c := counties[ci]
		cu := add(udirUnit{ID: -int64(500 + ci), Kode: c.Code, Navn: c.Name, Nivaa: 2, Key: 10 + ci,
			RowID: fmt.Sprintf("1.%d", 10+ci)}, nation)
		var mIdx []int
		for mi, m := range munis {
			if m.County == c.Code {
				mIdx = append(mIdx, mi)
			}
		}
		byName(mIdx, func(i int) string { return munis[i].Name })
		for _, mi := range mIdx {
			m := munis[mi]
			mu := add(udirUnit{ID: -int64(600 + mi), Kode: m.Code, Navn: m.Name, Nivaa: 3, Key: 100 + mi,
				RowID: fmt.Sprintf("%s.%d", d.units[cu].RowID, 100+mi)}, cu)
			var sIdx []int
			for si, s := range schools {
				if s.Municipality == m.Code {
					sIdx = append(sIdx, si)
				}
			}
			byName(sIdx, func(i int) string { return schools[i].Name })
			for _, si := range sIdx {
				s := schools[si]
				name := s.Name
				if strings.HasSuffix(s.Orgnr, "7") {
					name += " " // as some real names are sent
				}
				add(udirUnit{ID: int64(20000 + si), Kode: s.Orgnr, Navn: name, Nivaa: 4, Key: 10000 + si,
					RowID: fmt.Sprintf("%s.%d", d.units[mu].RowID, 10000+si), Public: s.Public,
					Grades: [2]int{s.GradeFrom, s.GradeTo}, School: si}, mu)
			}
		}
	}
	for i := range d.units {
		d.units[i].Indeks = i
	}
	// Schools under each unit, bottom up (children come after parents).
	for i := len(d.units) - 1; i >= 0; i-- {
		u := &d.units[i]
		if u.Nivaa == 4 {
			u.Schools = []int{u.School}
		}
		if u.Parent >= 0 {
			p := &d.units[u.Parent]
			p.Schools = append(p.Schools, u.Schools...)
		}
	}
}

// loadTests sums the national tests from udirFirstYear per school, year,
// grade and subject.
func (d *udirData) loadTests(ctx context.Context, dir string) error {
	school := map[string]int{}
	nSchools := 0
	for _, u := range d.units {
		if u.Nivaa == 4 {
			school[u.Kode] = u.School
			nSchools = max(nSchools, u.School+1)
		}
	}
	src, err := microdata.New(microdata.Config{Dir: dir, Tables: []string{"national_tests"}})
	if err != nil {
		return fmt.Errorf("reading the simulated national tests: %w", err)
	}
	b, err := src.Read(ctx, "national_tests", nil)
	if err != nil {
		return fmt.Errorf("reading the simulated national tests: %w", err)
	}
	defer b.Close()
	years := map[int]bool{}
	for b.Next() {
		rec := b.RecordBatch()
		year := rec.Column(1).(*array.Int32)
		grade := rec.Column(2).(*array.Int32)
		subject := rec.Column(3).(*array.String)
		org := rec.Column(4).(*array.String)
		status := rec.Column(5).(*array.String)
		score := rec.Column(6).(*array.Float64)
		for i := 0; i < int(rec.NumRows()); i++ {
			y := int(year.Value(i))
			if y < udirFirstYear {
				continue
			}
			si, ok := school[org.Value(i)]
			if !ok {
				continue // the reader checked references; a test elsewhere is not ours
			}
			c := udirCombo{Year: y, Grade: int(grade.Value(i)), Subject: subject.Value(i)}
			st := d.stats[c]
			if st == nil {
				st = make([]udirStat, nSchools)
				d.stats[c] = st
			}
			st[si].Recorded = true
			years[y] = true
			if status.Value(i) == "participated" && score.IsValid(i) {
				v := score.Value(i)
				st[si].N++
				st[si].Sum += v
				st[si].Sq += v * v
			}
		}
	}
	if err := b.Err(); err != nil {
		return fmt.Errorf("reading the simulated national tests: %w", err)
	}
	for y := range years {
		d.years = append(d.years, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(d.years)))
	return nil
}

// list marks the units of a national test report's EnhetID list: the
// schools that teach one of its grades or had a test of one, and the
// units above them.
func (d *udirData) list(rep *udirReport) {
	d.listBy(rep.Kode, true, func(u udirUnit) bool { return d.teaches(u, rep) })
}

// listBy marks the units of a report's EnhetID list: the schools keep
// holds, if withSchools (a page without school rows, as the transitions',
// lists none), and the units above them; children are the listed
// children, by name (the complete list was built that way), the order of
// the rows.
func (d *udirData) listBy(kode string, withSchools bool, keep func(udirUnit) bool) {
	listed := make([]bool, len(d.units))
	for i := len(d.units) - 1; i >= 0; i-- {
		u := d.units[i]
		if u.Nivaa != 4 || !keep(u) {
			continue
		}
		from := i
		if !withSchools {
			from = u.Parent
		}
		for p := from; p >= 0; p = d.units[p].Parent {
			listed[p] = true
		}
	}
	children := make([][]int, len(d.units))
	for i, u := range d.units {
		for _, c := range u.Children {
			if listed[c] {
				children[i] = append(children[i], c)
			}
		}
	}
	d.listed[kode], d.children[kode] = listed, children
}

func (d *udirData) teaches(u udirUnit, rep *udirReport) bool {
	for _, g := range rep.Grades {
		if u.Grades[0] <= g && g <= u.Grades[1] {
			return true
		}
		for _, y := range d.years {
			for _, s := range udirSubjects {
				if st := d.stats[udirCombo{y, g, s.Name}]; st != nil && st[u.School].Recorded {
					return true
				}
			}
		}
	}
	return false
}

func (d *udirData) routes(mux *http.ServeMux, prefix string) {
	mux.HandleFunc("GET "+prefix+"/rest/v1/Rapportside", d.reportList)
	mux.HandleFunc("GET "+prefix+"/rest/v1/Rapportside/{kode}", d.reportPage)
	for _, rep := range udirReports {
		mux.HandleFunc("GET "+prefix+"/"+rep.Path+"/filterVerdier", func(w http.ResponseWriter, r *http.Request) { d.filterValues(w, rep) })
		mux.HandleFunc("GET "+prefix+"/"+rep.Path+"/data", func(w http.ResponseWriter, r *http.Request) { d.data(w, r, rep) })
	}
	for _, t := range d.tables {
		mux.HandleFunc("GET "+prefix+"/"+t.Path+"/filterVerdier", func(w http.ResponseWriter, r *http.Request) { d.tableValues(w, t) })
		mux.HandleFunc("GET "+prefix+"/"+t.Path+"/data", func(w http.ResponseWriter, r *http.Request) { d.tableData(w, r, t) })
	}
}

// udirError writes the API's error body.
func udirError(w http.ResponseWriter, code int, melding string) {
	writeJSON(w, code, udirObject{
		{"kode", code}, {"feiltype", "Feil i forespørselen"}, {"melding", melding},
		{"tilleggsinfo", "Vennligst se API-dokumentasjonen på https://statistikkportalen.udir.no/api/rapportering/swagger"},
	})
}

// udirObject is a JSON object whose keys keep their order and may repeat, as
// the report element's rapportelementtypenavn does.
type udirObject []udirKV

type udirKV struct {
	K string
	V any
}

func (o udirObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.K)
		v, err := json.Marshal(f.V)
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", f.K, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (d *udirData) report(kode string) *udirReport {
	for _, r := range udirReports {
		if r.Kode == kode {
			return r
		}
	}
	return nil
}

// filters are the report's gyldigeFiltre.
func (rep *udirReport) filters() []string {
	f := []string{"EierformID", "EnhetID", "KjoennID", "ProevetypeID", "SkoleAarID", "TrinnID",
		"VisAntallRaderDeltatt", "VisDeltakelsestatusfordeling", "VisMaaltall", "VisMestringsnivaafordeling"}
	if !rep.HasGrade {
		f = slices.DeleteFunc(f, func(s string) bool { return s == "TrinnID" })
	}
	return f
}

// defaults are filterDefaultVerdier: the newest year, the first grade.
func (d *udirData) defaults(rep *udirReport) udirObject {
	year := []int64{}
	if len(d.years) > 0 {
		year = []int64{udirYearID(d.years[0])}
	}
	o := udirObject{{"VisAntallRaderDeltatt", []int{1}}, {"VisMestringsnivaafordeling", []int{0}},
		{"VisDeltakelsestatusfordeling", []int{0}}, {"VisMaaltall", []int{0}}, {"EnhetID", []int{-12}}, {"SkoleAarID", year}}
	if rep.HasGrade {
		o = append(o, udirKV{"TrinnID", []int64{udirTrinnID(rep.Grades[0])}})
	}
	return append(o, udirKV{"EierformID", []int{-10}}, udirKV{"KjoennID", []int{-10}})
}

// udirPage is what a Rapportside response says of a report.
type udirPage struct {
	ID               int
	Kode, Navn, Path string
	Element          int
	TekstIDs         map[string]string // Beskrivelse, OmStatistikken, rapport, info
	Description      string
	ElementTitle     string
	Filters          []string
	Defaults         udirObject
}

// reportPage is GET rest/v1/Rapportside/{kode}.
func (d *udirData) reportPage(w http.ResponseWriter, r *http.Request) {
	kode := r.PathValue("kode")
	if rep := d.report(kode); rep != nil {
		writeUdirPage(w, udirPage{ID: rep.ID, Kode: rep.Kode, Navn: rep.Navn, Path: rep.Path, Element: rep.Element,
			TekstIDs: rep.TekstIDs, Description: rep.Description + "<br />\nResultater fra før 2022 finnes ikke i denne rapporten.",
			ElementTitle: rep.ElementTitle, Filters: rep.filters(), Defaults: d.defaults(rep)})
		return
	}
	if t := d.table(kode); t != nil {
		writeUdirPage(w, udirPage{ID: t.ID, Kode: t.Kode, Navn: t.Navn, Path: t.Path, Element: 1,
			TekstIDs: t.TekstIDs, Description: t.Description, ElementTitle: t.Navn, Filters: t.Filters, Defaults: t.defaults(d)})
		return
	}
	udirError(w, http.StatusNotFound, "Fant ikke rapportside "+kode)
}

// writeUdirPage writes a Rapportside response in the key order of the
// real ones.
func writeUdirPage(w http.ResponseWriter, p udirPage) {
	t := p.TekstIDs
	element := udirObject{
		{"navn", p.Navn}, {"rapportelementnr", p.Element}, {"dataEndepunkt", p.Path + "/data"},
		{"tekstId_rapport", t["rapport"]}, {"tekstId_infoTekst", t["info"] + ".1"}, {"tekstId_infoUrl", t["info"] + ".2"},
		{"defaultRadsti", "*.*"}, {"gyldigeFiltre", p.Filters},
		{"rapportelementtypenavn", "D_TAB"}, {"rapportelementtypenavn", "Drilltabell"},
		{"rapportelementtypeBeskrivelse", "Tabell med kolonne og rad hierarki for å presentere data"},
	}
	page := udirObject{
		{"id", p.ID}, {"kode", p.Kode}, {"navn", p.Navn},
		{"tekstId_Beskrivelse", t["Beskrivelse"]}, {"tekstId_OmStatistikken", t["OmStatistikken"]},
		{"tekstId_OmBruddtegn", "137216"}, {"TekstId_OmPrikkingTall", "172799"}, {"TekstId_OmPrikkingTallOgPrikk", "172798"},
		{"tekstId_OmPrikking", "137217"}, {"tekstId_Avskjuling", "137215"}, {"tekstId_VilkarForBruk", "137218"},
		{"gyldigeFiltre", p.Filters},
		{"filterSpecEndepunkt", p.Path + "/filterSpec"}, {"filterVerdiEndepunkt", p.Path + "/filterVerdier"},
		{"filterStatusEndepunkt", p.Path + "/filterStatus"},
		{"visTekstEndepunkt", "rest/v1/Tekst/visTekst/{tekstId}"}, {"hentTekstEndepunkt", "rest/v1/Tekst/visTekst/{tekstId}?kunInnhold=true"},
		{"oppdaterTekstEndepunkt", "rest/v1/Tekst/oppdaterTekst/{tekstId}"},
		{"erPrikket", true}, {"kanVises", true},
		{"filterDefaultVerdier", p.Defaults},
		{"rapportElementer", []udirObject{element}},
		{"PDF-Elementer", []any{}},
	}
	texts := udirObject{
		{t["Beskrivelse"], p.Description},
		{t["info"] + ".1", "todo"}, {t["info"] + ".2", "todo"}, {t["rapport"], p.ElementTitle}, {"0", nil},
		{"137216", "Brudd i tidsrekke. Tallene er ikke direkte sammenlignbare med tidligere år."},
		{"137217", "Tallet er unntatt offentligheten/skjermet."},
	}
	writeJSON(w, http.StatusOK, udirObject{{"rappside", page}, {"tekster", texts}})
}

// udirValue is a filter value; the EnhetID list adds the tree fields.
type udirValue struct {
	Indeks      int    `json:"indeks"`
	ID          int64  `json:"id"`
	Kode        string `json:"kode"`
	Navn        string `json:"navn"`
	ErBegrenset int    `json:"erBegrenset"`
	Nivaa       *int   `json:"nivaa,omitempty"`
	Skjult      *int   `json:"skjult,omitempty"`
	Forelder    *int   `json:"forelder,omitempty"`
	Barn        []int  `json:"barn,omitempty"`
}

func udirYearID(y int) int64 { return int64(y)*10000 + int64(y+1) }

func udirYearName(y int) string { return fmt.Sprintf("%d-%02d", y, (y+1)%100) }

func udirList(vals ...udirValue) []udirValue {
	for i := range vals {
		vals[i].Indeks = i
	}
	return vals
}

// enhetValues is the EnhetID list of a report: its listed units, each
// with its indeks in the complete list.
func (d *udirData) enhetValues(kode string) []udirValue {
	var units []udirValue
	listed := d.listed[kode]
	for i, u := range d.units {
		if !listed[i] {
			continue
		}
		nivaa := u.Nivaa
		v := udirValue{Indeks: u.Indeks, ID: u.ID, Kode: u.Kode, Navn: u.Navn, Nivaa: &nivaa}
		if u.Parent >= 0 {
			p := d.units[u.Parent].Indeks
			v.Forelder = &p
		} else {
			one := 1
			v.Skjult = &one
		}
		// barn names every child, listed or not, as the real lists do.
		for _, c := range u.Children {
			v.Barn = append(v.Barn, d.units[c].Indeks)
		}
		units = append(units, v)
	}
	return units
}

// filterValues is GET {report}/filterVerdier.
func (d *udirData) filterValues(w http.ResponseWriter, rep *udirReport) {
	var years []udirValue
	for _, y := range d.years {
		id := udirYearID(y)
		years = append(years, udirValue{ID: id, Kode: strconv.FormatInt(id, 10), Navn: udirYearName(y)})
	}
	units := d.enhetValues(rep.Kode)
	var owners, tests []udirValue
	for _, o := range udirOwners {
		owners = append(owners, udirValue{ID: o.ID, Kode: o.Kode, Navn: o.Navn})
	}
	for _, s := range udirSubjects {
		tests = append(tests, udirValue{ID: s.ID, Kode: s.Kode, Navn: s.Navn})
	}
	body := udirObject{
		{"SkoleAarID", udirList(years...)}, {"EnhetID", units}, {"EierformID", udirList(owners...)},
		{"ProevetypeID", udirList(tests...)},
	}
	if rep.HasGrade {
		var grades []udirValue
		for _, g := range rep.Grades {
			grades = append(grades, udirValue{ID: udirTrinnID(g), Kode: strconv.Itoa(g), Navn: fmt.Sprintf("%d. årstrinn", g)})
		}
		body = append(body, udirKV{"TrinnID", udirList(grades...)})
	}
	body = append(body,
		udirKV{"KjoennID", udirList(udirValue{ID: -10, Kode: "A", Navn: "Alle kjønn"})},
		udirKV{"VisAntallRaderDeltatt", udirList(udirValue{ID: 0, Kode: "Skjul", Navn: "Skjul"}, udirValue{ID: 1, Kode: "Antall elever deltatt", Navn: "Antall elever deltatt"})},
		udirKV{"VisMestringsnivaafordeling", udirList(udirValue{ID: 0, Kode: "Skjul", Navn: "Skjul"}, udirValue{ID: 1, Kode: "Vis", Navn: "Vis"})},
		udirKV{"VisDeltakelsestatusfordeling", udirList(udirValue{ID: 1, Kode: "Vis", Navn: "Vis"}, udirValue{ID: 0, Kode: "Skjul", Navn: "Skjul"})},
		udirKV{"GruppeID", udirList(udirValue{ID: -10, Kode: "Alle", Navn: "Alle grupper"})},
		udirKV{"VisMaaltall", udirList(udirValue{ID: 1, Kode: "Spredning til", Navn: "Spredning til"}, udirValue{ID: 0, Kode: "Skjul", Navn: "Skjul"})},
	)
	writeJSON(w, http.StatusOK, body)
}
