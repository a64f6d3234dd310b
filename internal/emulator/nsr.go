package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/skolestat/skolestat/internal/sim"
)

// The NSR v4 emulation (shared/docs/sources.md §3): the paged unit list,
// the list by municipality (no paging fields), and the unit detail, over
// the simulated schools plus one upper-secondary school per municipality
// that has schools (ErGrunnskole false), so that a connector has to pick
// the grunnskoler. With drift on, the list and the detail use the v3 field
// names (Orgnr, Kommunenr), as an API changing under us would.

func init() {
	register(api{name: "NSR", prefix: NSRPrefix, mount: func(_ context.Context, n *simNation, opt Options, mux *http.ServeMux, prefix string) error {
		loadNSR(n, opt.Drift).routes(mux, prefix)
		return nil
	}})
}

// nsrUnit is a unit of the register.
type nsrUnit struct {
	Orgnr, Name, Municipality string
	Primary, Private          bool
	GradeFrom, GradeTo        int
	Changed                   string // DatoEndret
}

type nsrData struct {
	units  []nsrUnit // by orgnr
	byOrg  map[string]int
	drift  bool
	maxPer int
}

// loadNSR builds the register from the simulated schools.
func loadNSR(n *simNation, drift bool) *nsrData {
	d := &nsrData{byOrg: map[string]int{}, drift: drift, maxPer: 5000}
	munis := map[string]bool{}
	for _, sc := range n.Schools {
		d.units = append(d.units, nsrUnit{Orgnr: sc.Orgnr, Name: sc.Name, Municipality: sc.Municipality, Primary: true,
			Private: !sc.Public, GradeFrom: sc.GradeFrom, GradeTo: sc.GradeTo, Changed: changedDate(sc.Orgnr)})
		munis[sc.Municipality] = true
	}
	codes := make([]string, 0, len(munis))
	for c := range munis {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	next := 0
	for _, c := range codes {
		org := ""
		for org == "" {
			org = completeOrgnr(fmt.Sprintf("8%07d", next))
			next++
		}
		d.units = append(d.units, nsrUnit{Orgnr: org, Name: "Videregående skole " + c, Municipality: c, Changed: changedDate(org)})
	}
	sort.Slice(d.units, func(i, j int) bool { return d.units[i].Orgnr < d.units[j].Orgnr })
	for i, u := range d.units {
		d.byOrg[u.Orgnr] = i
	}
	return d
}

// completeOrgnr adds the mod-11 check digit to eight digits, or returns ""
// when no digit completes them.
func completeOrgnr(first8 string) string {
	for c := byte('0'); c <= '9'; c++ {
		if s := first8 + string(c); sim.ValidOrgnr(s) {
			return s
		}
	}
	return ""
}

// changedDate is a fixed DatoEndret derived from the orgnr, so that the
// register looks the same on every start.
func changedDate(orgnr string) string {
	n, _ := strconv.Atoi(orgnr[len(orgnr)-4:])
	t := time.Date(2015, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(n%3650) * 24 * time.Hour)
	return t.Format("2006-01-02T15:04:05")
}

func (d *nsrData) routes(mux *http.ServeMux, prefix string) {
	mux.HandleFunc("GET "+prefix+"/v4/enheter", d.list)
	mux.HandleFunc("GET "+prefix+"/v4/enheter/kommune/{nr}", d.byMunicipality)
	mux.HandleFunc("GET "+prefix+"/v4/enhet/{orgnr}", d.detail)
}

func (d *nsrData) item(u nsrUnit) map[string]any {
	m := map[string]any{
		"Navn": u.Name, "ErAktiv": true, "ErSkole": true, "ErGrunnskole": u.Primary, "DatoEndret": u.Changed,
	}
	if d.drift {
		m["Orgnr"], m["Kommunenr"] = u.Orgnr, u.Municipality
	} else {
		m["Organisasjonsnummer"], m["Kommunenummer"] = u.Orgnr, u.Municipality
	}
	return m
}

// list is GET /v4/enheter?sidenummer=N&antallperside=M (1-based pages; a
// page past the end is empty).
func (d *nsrData) list(w http.ResponseWriter, r *http.Request) {
	page, per := 1, 100
	if v := r.URL.Query().Get("sidenummer"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Ugyldig sidenummer"})
			return
		}
		page = n
	}
	if v := r.URL.Query().Get("antallperside"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > d.maxPer {
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Ugyldig antallperside"})
			return
		}
		per = n
	}
	pages := (len(d.units) + per - 1) / per
	items := []map[string]any{}
	for i := (page - 1) * per; i < min(page*per, len(d.units)); i++ {
		items = append(items, d.item(d.units[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"Sidenummer": page, "AntallSider": pages, "TotaltAntallEnheter": len(d.units), "EnhetListe": items,
	})
}

// byMunicipality is GET /v4/enheter/kommune/{nr}: no paging fields.
func (d *nsrData) byMunicipality(w http.ResponseWriter, r *http.Request) {
	nr := r.PathValue("nr")
	items := []map[string]any{}
	for _, u := range d.units {
		if u.Municipality == nr {
			items = append(items, d.item(u))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"EnhetListe": items})
}

// detail is GET /v4/enhet/{orgnr}.
func (d *nsrData) detail(w http.ResponseWriter, r *http.Request) {
	i, ok := d.byOrg[r.PathValue("orgnr")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Fant ikke enhet"})
		return
	}
	u := d.units[i]
	kategorier := []map[string]any{{"Id": 2}}
	var from, to any
	if u.Primary {
		kategorier = []map[string]any{{"Id": 1}}
		from, to = u.GradeFrom, u.GradeTo
	}
	m := map[string]any{
		"Navn": u.Name, "ErAktiv": true, "ErSkole": true, "ErGrunnskole": u.Primary, "ErPrivatskole": u.Private,
		"Skolekategorier": kategorier, "SkoletrinnGSFra": from, "SkoletrinnGSTil": to,
		"Naeringskoder":       []map[string]any{{"Prioritet": 1, "Kode": "85.201"}},
		"Maalform":            map[string]any{"Id": "B"},
		"Beliggenhetsadresse": map[string]any{"Adresse": "Skolevegen 1", "Postnummer": "0000", "Poststed": "SKOLEBY"},
		"Utgaattype":          map[string]any{"Id": "A"}, "UtgaattDato": nil, "DatoEndret": u.Changed,
	}
	if d.drift {
		m["Orgnr"], m["Kommune"] = u.Orgnr, map[string]any{"Kommunenr": u.Municipality}
	} else {
		m["Organisasjonsnummer"], m["Kommune"] = u.Orgnr, map[string]any{"Kommunenummer": u.Municipality}
	}
	writeJSON(w, http.StatusOK, m)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	w.Write(b)
}
