package emulator

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
)

// KLASSPrefix is where SSB's classification service is emulated (real:
// https://data.ssb.no/api/klass/v1).
const KLASSPrefix = "/klass"

// The KLASS emulation serves classification 131 (municipalities) over the
// simulated nation, with a history shaped like the 2024 reform: the
// municipalities of the counties split in 2024 (31, 32, 33 from 30; 39,
// 40 from 38; 55, 56 from 54) had other numbers in the 2020 version, and
// the change table renumbers them on 2024-01-01. The old numbers are
// synthetic (old county + a running number), as the simulated
// municipalities are. With drift, classificationItems is renamed.

func init() {
	register(api{name: "KLASS", prefix: KLASSPrefix, mount: func(_ context.Context, n *simNation, opt Options, mux *http.ServeMux, prefix string) error {
		loadKLASS(n, opt.Drift).routes(mux, prefix)
		return nil
	}})
}

// klassVersion is one version of classification 131.
type klassVersion struct {
	ID                 int
	Name               string
	ValidFrom, ValidTo string
	Items              []klassItem
}

type klassItem struct {
	Code, Name string
}

type klassChange struct {
	OldCode, OldName, NewCode, NewName, Occurred string
}

type klassData struct {
	versions []klassVersion
	changes  []klassChange
	drift    bool
}

// splitIn2024 maps the counties created in 2024 to the county they were
// part of from 2020.
var splitIn2024 = map[string]string{"31": "30", "32": "30", "33": "30", "39": "38", "40": "38", "55": "54", "56": "54"}

// reformYear is when the simulated nation's municipalities got their
// codes of today; before it, those of the counties split in 2024 had the
// codes codesBefore2024 gives.
const reformYear = 2024

// codesBefore2024 maps the code of each municipality of a county created
// in 2024 to its code from 2020 to 2023: the old county's number and a
// running number in code order. KLASS and SSB emulations share it, so that
// SSB's series for years before 2024 are in the codes KLASS lists for
// them.
func codesBefore2024(n *simNation) map[string]string {
	out := map[string]string{}
	next := map[string]int{}
	for _, m := range n.Municipalities { // sorted by code
		if old, split := splitIn2024[m.County]; split {
			next[old]++
			out[m.Code] = fmt.Sprintf("%s%02d", old, next[old])
		}
	}
	return out
}

func loadKLASS(n *simNation, drift bool) *klassData {
	v2020 := klassVersion{ID: 1860, Name: "Kommuneinndeling 2020", ValidFrom: "2020-01-01", ValidTo: "2024-01-01"}
	v2024 := klassVersion{ID: 1710, Name: "Kommuneinndeling 2024", ValidFrom: "2024-01-01"}
	d := &klassData{drift: drift}
	before := codesBefore2024(n)
	for _, m := range n.Municipalities { // sorted by code
		v2024.Items = append(v2024.Items, klassItem{m.Code, m.Name})
		oldCode, split := before[m.Code]
		if !split {
			v2020.Items = append(v2020.Items, klassItem{m.Code, m.Name})
			continue
		}
		v2020.Items = append(v2020.Items, klassItem{oldCode, m.Name})
		d.changes = append(d.changes, klassChange{OldCode: oldCode, OldName: m.Name, NewCode: m.Code, NewName: m.Name, Occurred: "2024-01-01"})
	}
	for _, v := range []*klassVersion{&v2020, &v2024} {
		v.Items = append(v.Items, klassItem{"9999", "Uoppgitt"})
		sort.Slice(v.Items, func(i, j int) bool { return v.Items[i].Code < v.Items[j].Code })
	}
	d.versions = []klassVersion{v2024, v2020} // newest first, as KLASS lists them
	return d
}

func (k *klassData) routes(mux *http.ServeMux, prefix string) {
	mux.HandleFunc("GET "+prefix+"/classifications/131", k.classification)
	mux.HandleFunc("GET "+prefix+"/versions/{id}", k.version)
	mux.HandleFunc("GET "+prefix+"/classifications/131/changes", k.changeTable)
}

func (k *klassData) classification(w http.ResponseWriter, r *http.Request) {
	var vs []map[string]any
	for _, v := range k.versions {
		m := map[string]any{"name": v.Name, "id": v.ID, "validFrom": v.ValidFrom, "published": []string{"nb", "nn", "en"},
			"_links": map[string]any{"self": map[string]any{"href": "https://data.ssb.no/api/klass/v1/versions/" + strconv.Itoa(v.ID)}}}
		if v.ValidTo != "" {
			m["validTo"] = v.ValidTo
		}
		vs = append(vs, m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": "Standard for kommuneinndeling", "id": 131,
		"classificationType": "Klassifikasjon", "copyrighted": false, "versions": vs})
}

func (k *klassData) version(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	for _, v := range k.versions {
		if v.ID != id {
			continue
		}
		items := make([]map[string]any, 0, len(v.Items))
		for _, it := range v.Items {
			items = append(items, map[string]any{"code": it.Code, "parentCode": "", "level": "1", "name": it.Name, "shortName": nil, "notes": ""})
		}
		key := "classificationItems"
		if k.drift {
			key = "items"
		}
		m := map[string]any{"name": v.Name, "id": v.ID, "validFrom": v.ValidFrom, key: items}
		if v.ValidTo != "" {
			m["validTo"] = v.ValidTo
		}
		writeJSON(w, http.StatusOK, m)
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"error": "Not Found", "message": "not found: version " + r.PathValue("id")})
}

// changeTable is classifications/131/changes?from=&to=: the changes on
// dates after from and before to, as KLASS answers.
func (k *klassData) changeTable(w http.ResponseWriter, r *http.Request) {
	from, to := r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if from == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Bad Request", "message": "from is required"})
		return
	}
	rows := []map[string]any{}
	for _, c := range k.changes {
		if c.Occurred > from && (to == "" || c.Occurred < to) {
			rows = append(rows, map[string]any{"oldCode": c.OldCode, "oldName": c.OldName, "oldShortName": "",
				"newCode": c.NewCode, "newName": c.NewName, "newShortName": "", "changeOccurred": c.Occurred})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"codeChanges": rows})
}
