package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/skolestat/skolestat/internal/sim"
)

// The udir Eksport API v2 emulation (shared/docs/sources.md §1A): the
// Elevundersøkelsen tables over the simulated survey_responses, under
// EksportPrefix + "/api/rest/v2/Eksport" (the real base is
// https://api.statistikkbanken.udir.no/api/rest/v2/Eksport):
//
//	GET /Eksport                        the tables: EksportID, Beskrivelse (153 and 154 swapped, as in reality)
//	GET /Eksport/{id}/filterSpec        the filters of a table
//	GET /Eksport/{id}/filterVerdier     TidID (YYYY12), EnhetID tree, TrinnID, EierformID, KjoennID, SpoersmaalID
//	GET /Eksport/{id}/sideData?filter=  a JSON array: [{JSONSider, RaderPerSide, RaderTotalt, JSONBytes}]
//	GET /Eksport/{id}/data?filter=&format=0&sideNummer=n
//
// Tables 148 (indicator: indices and items), 150 (bullying) and 151
// (participation) hold the simulated survey; 152, 154 and 155 (upper
// secondary) answer with no rows, as the simulated nation has no upper
// secondary schools; 149 and 153 (Tema, answer distributions) are listed
// only and answer 404. The EnhetIDs are those of the report API emulation
// (udir.go): the nation -12, counties and municipalities negative, schools
// 20000 and up, so the two can be joined on EnhetID as the real ones can.
//
// Values follow shared/spec/indicators.md §3. A respondent's index score
// is the mean of the answered items of the index (reverse-keyed a counts
// as 6-a), kept when at least half of them (and one) are answered; a
// unit's Score is the mean over its respondents with their Standardavvik
// (sample) and AntallBesvart. The bullying share (EUIndeks_1398 in 148,
// AndelMobbet in 150) is the percentage of the respondents who answered a
// bullying item that answered 3 or more on one of them; a bullying
// question's AndelMobbet is that share for the question alone.
// Participation (151) is respondents over the pupils enrolled in the grade
// at the unit's schools (AntallInvitert), in percent. Every value is a
// string with a decimal comma and space thousands; all of a row's values
// are "*" when fewer than 10 respondents stand behind them. A row exists
// for each selected unit, year, grade, owner, gender and question with at
// least one respondent (151: one enrolled pupil).
//
// Filters: Name(v1_v2)_Name2(v). A comma is HTTP 400 «Feil format på
// filtrene!», no filter 400 «Filter må oppgis!», no TidID 400. A breakdown
// filter left out selects every value (rows for every combination, as the
// real API). EnhetID selects exactly the units named; Nasjonaltkode,
// Fylkekode, Kommunekode and Organisasjonsnummer add units by code, and
// EnhetNivaa keeps the units of the levels named. Pages hold 1000 rows
// (antallRader changes it); a page past the end repeats the last page.
//
// With drift on, 148 and 150 call Spoersmaalgruppe "Indikator" (a change
// the real API made, which the connector accepts) and 151 calls
// AndelDeltatt "AndelDeltakelse" (a change no connector can guess, so the
// participation table fails to load).
//
// The survey is read on the first request that needs it, not when the
// emulator starts, so that the other APIs' tests do not pay for it.

// EksportPrefix is where the Eksport API is mounted; its base URL is the
// emulator's address + EksportPrefix + "/api/rest/v2/Eksport".
const EksportPrefix = "/eksport"

// eksportBase is the path of the API under its prefix.
const eksportBase = "/api/rest/v2/Eksport"

func init() {
	register(api{name: "udir Eksport", prefix: EksportPrefix, mount: func(ctx context.Context, n *simNation, opt Options, mux *http.ServeMux, prefix string) error {
		e := newEksport(n, opt.Drift)
		// An error is kept and answered with the first request.
		opt.preload(func() { e.load(context.WithoutCancel(ctx)) })
		e.routes(mux, prefix+eksportBase)
		return nil
	}})
}

// eksportSuppressBelow is the number of respondents under which a row's
// values are "*".
const eksportSuppressBelow = 10

// eksportPageRows is the default page size.
const eksportPageRows = 1000

// Table kinds.
const (
	eksportIndicator     = "indicator"
	eksportTheme         = "theme"
	eksportBullying      = "bullying"
	eksportParticipation = "participation"
)

type eksportTable struct {
	ID          int
	Beskrivelse string
	Kind        string
	VGO         bool
}

var eksportTables = []eksportTable{
	{148, "Elevundersøkelsen - indikatorer, grunnskole", eksportIndicator, false},
	{149, "Elevundersøkelsen - tema, grunnskole", eksportTheme, false},
	{150, "Elevundersøkelsen - mobbing, grunnskole", eksportBullying, false},
	{151, "Elevundersøkelsen - deltakelse, grunnskole", eksportParticipation, false},
	{152, "Elevundersøkelsen - indikatorer, videregående", eksportIndicator, true},
	{153, "Elevundersøkelsen - mobbing, videregående", eksportTheme, true}, // swapped with 154, as in reality
	{154, "Elevundersøkelsen - tema, videregående", eksportBullying, true},
	{155, "Elevundersøkelsen - deltakelse, videregående", eksportParticipation, true},
}

// eksportQuestion is a SpoersmaalID value.
type eksportQuestion struct {
	ID         int64
	Kode, Navn string
	GroupKode  string
	GroupNavn  string
	Index      int // position in sim.SurveyIndices, or -1
	Bullying   bool
	Item       int // position in sim.Items, or -1 for an index
}

// eksportQuestions are the questions of 148 (every index and item) and of
// 150 (the bullying index and items).
var eksportQuestions148, eksportQuestions150 = func() ([]eksportQuestion, []eksportQuestion) {
	var q148, q150 []eksportQuestion
	bullying := eksportQuestion{ID: 1398, Kode: sim.BullyingIndex, Navn: "Alle spørsmål", GroupKode: sim.BullyingIndex,
		GroupNavn: "Mobbing på skolen (%)", Index: -1, Bullying: true, Item: -1}
	for i, ix := range sim.SurveyIndices {
		id, _ := strconv.ParseInt(strings.TrimPrefix(ix.Code, "EUIndeks_"), 10, 64)
		q148 = append(q148, eksportQuestion{ID: id, Kode: ix.Code, Navn: "Alle spørsmål", GroupKode: ix.Code, GroupNavn: ix.Name, Index: i, Item: -1})
	}
	q148 = append(q148, bullying)
	q150 = append(q150, bullying)
	bullyID := int64(334)
	for i, it := range sim.Items {
		q := eksportQuestion{ID: int64(400 + i), Kode: it.Code, Navn: "Spørsmål " + it.Code, GroupKode: "EUGruppe_Andre", GroupNavn: "Andre spørsmål", Index: -1, Item: i}
		switch ix := eksportItemIndex[i]; {
		case it.Index == sim.BullyingIndex:
			q.ID, q.GroupKode, q.GroupNavn, q.Bullying = bullyID, bullying.GroupKode, bullying.GroupNavn, true
			bullyID++
			q150 = append(q150, q)
		case ix >= 0:
			q.GroupKode, q.GroupNavn = sim.SurveyIndices[ix].Code, sim.SurveyIndices[ix].Name
		}
		q148 = append(q148, q)
	}
	return q148, q150
}()

// eksportGenderValue is a KjoennID value; Bucket is the cell gender, -1
// for all.
type eksportGenderValue struct {
	ID         int64
	Kode, Navn string
	Bucket     int
}

var eksportGenderValues = []eksportGenderValue{
	{-10, "A", "Alle kjønn", -1}, {2, "G", "Gutt", eksportBoy}, {1, "J", "Jente", eksportGirl},
}

// eksport is the emulated API.
type eksport struct {
	nation *simNation
	drift  bool

	once   sync.Once
	data   *eksportData
	err    error
	cacheM sync.Mutex
	cache  []eksportCached
}

// eksportData is what the survey gives the tables.
type eksportData struct {
	tree   *udirData // units only
	survey *eksportSurvey
	listed []bool // units in the GSK EnhetID list: schools with respondents and the units above them
}

type eksportCached struct {
	key  string
	rows [][]byte
}

func newEksport(n *simNation, drift bool) *eksport { return &eksport{nation: n, drift: drift} }

// load reads the survey, once.
func (e *eksport) load(ctx context.Context) (*eksportData, error) {
	e.once.Do(func() {
		tree := &udirData{byID: map[int64]int{}}
		tree.buildTree(e.nation.Counties, e.nation.Municipalities, e.nation.Schools)
		schools := map[string]int{}
		for _, u := range tree.units {
			if u.Nivaa == 4 {
				schools[u.Kode] = u.School
			}
		}
		s, err := loadEksportSurvey(context.WithoutCancel(ctx), e.nation.Dir, schools)
		if err != nil {
			e.err = err
			return
		}
		d := &eksportData{tree: tree, survey: s, listed: make([]bool, len(tree.units))}
		for i := len(tree.units) - 1; i >= 0; i-- {
			if u := tree.units[i]; u.Nivaa == 4 && s.answered[u.School] {
				for p := i; p >= 0 && !d.listed[p]; p = tree.units[p].Parent {
					d.listed[p] = true
				}
			}
		}
		e.data = d
	})
	return e.data, e.err
}

func (e *eksport) routes(mux *http.ServeMux, base string) {
	mux.HandleFunc("GET "+base, e.tableList)
	mux.HandleFunc("GET "+base+"/format", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, []udirObject{{{"FormatID", 0}, {"Navn", "JSON"}}, {{"FormatID", 4}, {"Navn", "CSV"}}})
	})
	for _, t := range eksportTables {
		p := base + "/" + strconv.Itoa(t.ID)
		mux.HandleFunc("GET "+p+"/filterSpec", func(w http.ResponseWriter, r *http.Request) { e.serve(w, r, t, e.filterSpec) })
		mux.HandleFunc("GET "+p+"/filterVerdier", func(w http.ResponseWriter, r *http.Request) { e.serve(w, r, t, e.filterValues) })
		mux.HandleFunc("GET "+p+"/sideData", func(w http.ResponseWriter, r *http.Request) { e.serve(w, r, t, e.pageData) })
		mux.HandleFunc("GET "+p+"/data", func(w http.ResponseWriter, r *http.Request) { e.serve(w, r, t, e.rows) })
	}
}

// serve answers a table endpoint: 404 for the Tema tables, 500 when the
// survey cannot be read.
func (e *eksport) serve(w http.ResponseWriter, r *http.Request, t eksportTable, h func(http.ResponseWriter, *http.Request, eksportTable, *eksportData)) {
	if t.Kind == eksportTheme {
		udirError(w, http.StatusNotFound, fmt.Sprintf("Tabell %d er ikke emulert", t.ID))
		return
	}
	d, err := e.load(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h(w, r, t, d)
}

// tableList is GET /Eksport.
func (e *eksport) tableList(w http.ResponseWriter, _ *http.Request) {
	out := make([]udirObject, len(eksportTables))
	for i, t := range eksportTables {
		out[i] = udirObject{{"EksportID", t.ID}, {"Beskrivelse", t.Beskrivelse}}
	}
	writeJSON(w, http.StatusOK, out)
}

// filterNames are the filters of a table.
func (t eksportTable) filterNames() []string {
	f := []string{"TidID", "EnhetID", "TrinnID", "EierformID"}
	if t.Kind != eksportParticipation {
		f = append(f, "KjoennID", "SpoersmaalID")
	}
	return f
}

// filterSpec is GET {id}/filterSpec. The real shape is not documented; this
// one names each filter and whether it is required.
func (e *eksport) filterSpec(w http.ResponseWriter, _ *http.Request, t eksportTable, _ *eksportData) {
	var out []udirObject
	for _, f := range t.filterNames() {
		out = append(out, udirObject{{"FilterID", f}, {"ErPaakrevd", f == "TidID"}, {"TillaterFlereVerdier", true}})
	}
	writeJSON(w, http.StatusOK, out)
}

func eksportTidID(y int) int64 { return int64(y)*100 + 12 }

// grades of a table: the surveyed grades, VG1-3 for upper secondary.
func (d *eksportData) grades(t eksportTable) []int {
	if t.VGO {
		return []int{11, 12, 13}
	}
	return d.survey.grades
}

// questions of a table (nil: it takes no SpoersmaalID).
func (t eksportTable) questions() []eksportQuestion {
	switch {
	case t.Kind == eksportIndicator && !t.VGO:
		return eksportQuestions148
	case t.Kind == eksportIndicator:
		return append(slices.Clone(eksportQuestions148[:len(sim.SurveyIndices)]),
			eksportQuestion{ID: 1389, Kode: "EUIndeks_1389", Navn: "Alle spørsmål", GroupKode: "EUIndeks_1389", GroupNavn: "Utdanning og yrkesveiledning", Index: -1, Item: -1})
	case t.Kind == eksportBullying:
		return eksportQuestions150
	}
	return nil
}

// listedIn says whether unit i is in the table's EnhetID list: for upper
// secondary the nation and the counties only.
func (d *eksportData) listedIn(t eksportTable, i int) bool {
	if t.VGO {
		return d.tree.units[i].Nivaa <= 2
	}
	return d.listed[i]
}

// filterValues is GET {id}/filterVerdier.
func (e *eksport) filterValues(w http.ResponseWriter, _ *http.Request, t eksportTable, d *eksportData) {
	years, units, grades, owners, genders, questions := []udirValue{}, []udirValue{}, []udirValue{}, []udirValue{}, []udirValue{}, []udirValue{}
	for _, y := range d.survey.years {
		id := eksportTidID(y)
		years = append(years, udirValue{ID: id, Kode: strconv.FormatInt(id, 10), Navn: udirYearName(y)})
	}
	for i, u := range d.tree.units {
		if !d.listedIn(t, i) {
			continue
		}
		nivaa := u.Nivaa
		v := udirValue{Indeks: u.Indeks, ID: u.ID, Kode: u.Kode, Navn: u.Navn, Nivaa: &nivaa}
		if u.Parent >= 0 {
			p := d.tree.units[u.Parent].Indeks
			v.Forelder = &p
		} else {
			one := 1
			v.Skjult = &one
		}
		for _, c := range u.Children { // every child, listed or not, as the real lists
			v.Barn = append(v.Barn, d.tree.units[c].Indeks)
		}
		units = append(units, v)
	}
	for _, g := range d.grades(t) {
		grades = append(grades, udirValue{ID: udirTrinnID(g), Kode: strconv.Itoa(g), Navn: eksportGradeName(g)})
	}
	for _, o := range udirOwners {
		owners = append(owners, udirValue{ID: o.ID, Kode: o.Kode, Navn: o.Navn})
	}
	for _, g := range eksportGenderValues {
		genders = append(genders, udirValue{ID: g.ID, Kode: g.Kode, Navn: g.Navn})
	}
	for _, q := range t.questions() {
		questions = append(questions, udirValue{ID: q.ID, Kode: q.Kode, Navn: q.GroupNavn + ": " + q.Navn})
	}
	body := udirObject{{"TidID", udirList(years...)}, {"EnhetID", units}, {"TrinnID", udirList(grades...)}, {"EierformID", udirList(owners...)}}
	if t.Kind != eksportParticipation {
		body = append(body, udirKV{"KjoennID", udirList(genders...)}, udirKV{"SpoersmaalID", udirList(questions...)})
	}
	writeJSON(w, http.StatusOK, body)
}

func eksportGradeName(g int) string {
	if g > 10 {
		return fmt.Sprintf("Vg%d", g-10)
	}
	return fmt.Sprintf("%d. trinn", g)
}

// eksportBadFilter is the real API's message for a filter it cannot read.
const eksportBadFilter = "Feil format på filtrene!"

// eksportIDs reads a filter's values as ids.
func eksportIDs(vals []string) ([]int64, error) {
	out := make([]int64, len(vals))
	for i, v := range vals {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("value %q is no id", v)
		}
		out[i] = n
	}
	return out, nil
}

// eksportSelection is what a data request asks for, each list in table
// order.
type eksportSelection struct {
	units     []int // indexes in the tree, tree order
	years     []int
	grades    []int
	owners    []udirOwner
	genders   []eksportGenderValue
	questions []eksportQuestion
}

// selection reads the filter of a sideData or data request; an error is
// the 400 message.
func (d *eksportData) selection(t eksportTable, raw string) (eksportSelection, string) {
	var s eksportSelection
	if raw == "" {
		return s, "Filter må oppgis!"
	}
	f, err := parseFilter(raw)
	if err != nil {
		return s, eksportBadFilter
	}
	ids := map[string][]int64{}
	for _, name := range []string{"TidID", "EnhetID", "TrinnID", "EierformID", "KjoennID", "SpoersmaalID", "EnhetNivaa"} {
		if vals, ok := f[name]; ok {
			if ids[name], err = eksportIDs(vals); err != nil {
				return s, eksportBadFilter
			}
		}
	}
	years, ok := ids["TidID"]
	if !ok {
		return s, "Filteret TidID må oppgis!"
	}
	for _, y := range d.survey.years {
		if slices.Contains(years, eksportTidID(y)) {
			s.years = append(s.years, y)
		}
	}
	// Units: by id and by code, all when neither is given; EnhetNivaa keeps
	// the levels named.
	byCode := map[string]int{"Nasjonaltkode": 1, "Fylkekode": 2, "Kommunekode": 3, "Organisasjonsnummer": 4}
	anyUnit := false
	for name := range byCode {
		anyUnit = anyUnit || f[name] != nil
	}
	anyUnit = anyUnit || ids["EnhetID"] != nil
	for i, u := range d.tree.units {
		if u.Nivaa == 0 || !d.listedIn(t, i) {
			continue
		}
		keep := !anyUnit || slices.Contains(ids["EnhetID"], u.ID)
		for name, nivaa := range byCode {
			keep = keep || (slices.Contains(f[name], u.Kode) && (nivaa == u.Nivaa || name == "Organisasjonsnummer"))
		}
		if lv, ok := ids["EnhetNivaa"]; ok && !slices.Contains(lv, int64(u.Nivaa)) {
			keep = false
		}
		if keep {
			s.units = append(s.units, i)
		}
	}
	trinn, given := ids["TrinnID"]
	for _, g := range d.grades(t) {
		if !given || slices.Contains(trinn, udirTrinnID(g)) {
			s.grades = append(s.grades, g)
		}
	}
	owners, given := ids["EierformID"]
	for _, o := range udirOwners {
		if !given || slices.Contains(owners, o.ID) {
			s.owners = append(s.owners, o)
		}
	}
	genders, given := ids["KjoennID"]
	for _, g := range eksportGenderValues {
		if t.Kind == eksportParticipation {
			s.genders = eksportGenderValues[:1] // the table has no gender
			break
		}
		if !given || slices.Contains(genders, g.ID) {
			s.genders = append(s.genders, g)
		}
	}
	questions, given := ids["SpoersmaalID"]
	for _, q := range t.questions() {
		if !given || slices.Contains(questions, q.ID) {
			s.questions = append(s.questions, q)
		}
	}
	return s, ""
}

// selected renders the rows a request's filter selects, each without its
// page fields and closing brace; the last few are cached, since a client
// asks sideData and then every page with the same filter.
func (e *eksport) selected(w http.ResponseWriter, r *http.Request, t eksportTable, d *eksportData) ([][]byte, bool) {
	raw := r.URL.Query().Get("filter")
	key := strconv.Itoa(t.ID) + "?" + raw
	e.cacheM.Lock()
	for _, c := range e.cache {
		if c.key == key {
			e.cacheM.Unlock()
			return c.rows, true
		}
	}
	e.cacheM.Unlock()
	sel, msg := d.selection(t, raw)
	if msg != "" {
		udirError(w, http.StatusBadRequest, msg)
		return nil, false
	}
	rows := d.render(t, sel, e.drift)
	e.cacheM.Lock()
	e.cache = append(e.cache, eksportCached{key: key, rows: rows})
	if len(e.cache) > 4 {
		e.cache = e.cache[1:]
	}
	e.cacheM.Unlock()
	return rows, true
}

// pageSize is antallRader, or the default.
func eksportPageSize(r *http.Request) (int, bool) {
	v := r.URL.Query().Get("antallRader")
	if v == "" {
		return eksportPageRows, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 1 && n <= 100000
}

// pageData is GET {id}/sideData: a JSON array of one object.
func (e *eksport) pageData(w http.ResponseWriter, r *http.Request, t eksportTable, d *eksportData) {
	size, ok := eksportPageSize(r)
	if !ok {
		udirError(w, http.StatusBadRequest, "Ugyldig antallRader")
		return
	}
	rows, ok := e.selected(w, r, t, d)
	if !ok {
		return
	}
	bytes := 0
	for _, row := range rows {
		bytes += len(row) + 50
	}
	pages := (len(rows) + size - 1) / size
	writeJSON(w, http.StatusOK, []udirObject{{{"JSONSider", pages}, {"CSVSider", pages}, {"RaderPerSide", size},
		{"RaderTotalt", len(rows)}, {"JSONBytes", bytes}}})
}

// rows is GET {id}/data: the page asked for, the last one for a page past
// the end.
func (e *eksport) rows(w http.ResponseWriter, r *http.Request, t eksportTable, d *eksportData) {
	q := r.URL.Query()
	if f := q.Get("format"); f != "" && f != "0" {
		udirError(w, http.StatusBadRequest, "Formatet "+f+" er ikke emulert")
		return
	}
	size, ok := eksportPageSize(r)
	if !ok {
		udirError(w, http.StatusBadRequest, "Ugyldig antallRader")
		return
	}
	page := 1
	if v := q.Get("sideNummer"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			udirError(w, http.StatusBadRequest, "Ugyldig sideNummer")
			return
		}
		page = n
	}
	rows, ok := e.selected(w, r, t, d)
	if !ok {
		return
	}
	pages := (len(rows) + size - 1) / size
	page = min(page, max(pages, 1))
	from := min((page-1)*size, len(rows))
	to := min(from+size, len(rows))
	var b []byte
	b = append(b, '[')
	for i, row := range rows[from:to] {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, row...)
		b = fmt.Appendf(b, `,"Sidenummer":%d,"RaderSide":%d,"RaderTotalt":%d}`, page, to-from, len(rows))
	}
	b = append(b, ']')
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// eksportRow writes one row's keys and values in order.
type eksportRow struct{ b []byte }

func (r *eksportRow) key(k string) {
	if len(r.b) == 0 {
		r.b = append(r.b, '{')
	} else {
		r.b = append(r.b, ',')
	}
	r.b = strconv.AppendQuote(r.b, k) // keys are ASCII
	r.b = append(r.b, ':')
}

func (r *eksportRow) str(k, v string) {
	r.key(k)
	q, _ := json.Marshal(v) // a string always encodes
	r.b = append(r.b, q...)
}

func (r *eksportRow) num(k string, v int) {
	r.key(k)
	r.b = strconv.AppendInt(r.b, int64(v), 10)
}

// eksportDecimal writes v with one decimal and a decimal comma.
func eksportDecimal(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1)
}

// eksportCount writes n with a space between thousands ("63 187").
func eksportCount(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	return s
}
