package udir

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// FilterValue is one selectable value of a filter in a filterVerdier
// response (GET {data endpoint minus /data}/filterVerdier, and the Eksport
// API's /filterVerdier).
type FilterValue struct {
	Index int // indeks: the position that barn and forelder refer to
	// ID is the value to put in a filter expression: TidID(202510),
	// EnhetID(-76). It is not Kode: TrinnID 7 has kode "8" (8. trinn).
	ID         int64
	Kode       string
	Navn       string // trimmed
	Restricted bool   // erBegrenset
}

// Level is where a unit sits in the geography. The order is the tree's: a
// parent's level is always lower than its children's.
type Level int

const (
	LevelRoot         Level = iota // the hidden root "Alle" (id -10), nivaa 0
	LevelNation                    // "Hele landet" (kode "I", id -12) and "Utlandet" (kode "U", id -13)
	LevelCounty                    // fylke: 2-digit kode ("42"; "25" is Utlandet)
	LevelMunicipality              // kommune: 4-digit kode ("0301"; "2599" Utlandet, uspesifisert)
	LevelSchool                    // skole: 9-digit org.nr, or "U" and 8 digits for schools abroad
)

func (l Level) String() string {
	switch l {
	case LevelRoot:
		return "root"
	case LevelNation:
		return "nation"
	case LevelCounty:
		return "county"
	case LevelMunicipality:
		return "municipality"
	case LevelSchool:
		return "school"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Unit is one entry of the EnhetID filter: a school or an aggregate of
// schools. EnhetIDs are the same across reports and the Eksport API.
type Unit struct {
	// ID is the EnhetID, negative for aggregates (nation, counties,
	// municipalities), positive for schools. It is what EnhetID(...)
	// filters take; pivot row ids use other keys (join rows on Kode).
	ID   int64
	Kode string
	Name string // navn with surrounding spaces trimmed
	// Level comes from the shape of Kode (see the Level constants), the
	// root from nivaa 0. Nivaa is the number sent, 0 (root) to 4 (school)
	// in the grunnskole reports.
	Level Level
	Nivaa int
	// Parent is the parent's index in UnitTree.Units, -1 for a unit
	// without one (the root); ParentID is its ID, 0 when there is none.
	Parent   int
	ParentID int64
	// Children are indexes in UnitTree.Units of the units whose forelder
	// is this one, in list order. Read only.
	Children []int
	Hidden   bool // skjult: the root, which cannot be selected
	// Abroad marks Utlandet (kode "U") and everything under it, and the
	// schools with a U kode.
	Abroad     bool
	Restricted bool // erBegrenset
}

// UnitTree is the unit hierarchy of a report, built by Units.
type UnitTree struct {
	// Units are in the order of the response (a depth-first walk).
	Units []Unit
	// ChildLinks is the number of barn entries; DanglingChildren those that
	// name an indeks not in the list. The API's lists leave out units
	// with no data for the report, but the barn lists still name them.
	ChildLinks       int
	DanglingChildren int

	byID map[int64]int
}

// ByID finds a unit by EnhetID.
func (t *UnitTree) ByID(id int64) (Unit, bool) {
	i, ok := t.byID[id]
	if !ok {
		return Unit{}, false
	}
	return t.Units[i], true
}

// Ancestor is the nearest unit above u at the given level: the county of a
// school, say. It is false when u has no ancestor at that level.
func (t *UnitTree) Ancestor(u Unit, level Level) (Unit, bool) {
	for p := u.Parent; p >= 0; p = t.Units[p].Parent {
		if t.Units[p].Level == level {
			return t.Units[p], true
		}
	}
	return Unit{}, false
}

// Count is the number of units at a level.
func (t *UnitTree) Count(level Level) int {
	n := 0
	for _, u := range t.Units {
		if u.Level == level {
			n++
		}
	}
	return n
}

// rawValue is one filter value as sent; the EnhetID list adds nivaa,
// skjult, forelder and barn.
type rawValue struct {
	Indeks      *int   `json:"indeks"`
	ID          *int64 `json:"id"`
	Kode        string `json:"kode"`
	Navn        string `json:"navn"`
	ErBegrenset flag   `json:"erBegrenset"`
	Nivaa       *int   `json:"nivaa"`
	Skjult      flag   `json:"skjult"`
	Forelder    *int   `json:"forelder"`
	Barn        []int  `json:"barn"`
}

// flag is a 0/1 (or false/true) field.
type flag bool

func (f *flag) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "0", "false", "null":
		*f = false
	case "1", "true":
		*f = true
	default:
		return fmt.Errorf("%s is not 0, 1, true or false", b)
	}
	return nil
}

// decodeValues returns the list of one filter, each value checked to have
// an indeks and an id.
func decodeValues(filterVerdier []byte, filter string) ([]rawValue, error) {
	var lists map[string]json.RawMessage
	if err := json.Unmarshal(filterVerdier, &lists); err != nil {
		return nil, fmt.Errorf("decoding filterVerdier: %w", err)
	}
	list, ok := lists[filter]
	if !ok || isAbsent(list) {
		names := make([]string, 0, len(lists))
		for k := range lists {
			names = append(names, k)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("decoding filterVerdier: no %s list (it has %s)", filter, strings.Join(names, ", "))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(list, &items); err != nil {
		return nil, fmt.Errorf("decoding filterVerdier %s: %w", filter, err)
	}
	vals := make([]rawValue, len(items))
	for i, it := range items {
		if err := json.Unmarshal(it, &vals[i]); err != nil {
			return nil, fmt.Errorf("decoding filterVerdier %s[%d]: %w", filter, i, err)
		}
		if vals[i].Indeks == nil || vals[i].ID == nil {
			return nil, fmt.Errorf("decoding filterVerdier %s[%d]: it has no indeks or no id", filter, i)
		}
	}
	return vals, nil
}

// FilterValues reads the values of one filter ("TidID", "SkoleAarID",
// "TrinnID", ...) from a filterVerdier response, in the order sent (newest
// year first for the year filters).
func FilterValues(filterVerdier []byte, filter string) ([]FilterValue, error) {
	raws, err := decodeValues(filterVerdier, filter)
	if err != nil {
		return nil, err
	}
	out := make([]FilterValue, len(raws))
	for i, r := range raws {
		out[i] = FilterValue{
			Index: *r.Indeks, ID: *r.ID, Kode: r.Kode,
			Navn: strings.TrimSpace(r.Navn), Restricted: bool(r.ErBegrenset),
		}
	}
	return out, nil
}

// Units builds the unit tree from the EnhetID list of a filterVerdier
// response. forelder and barn are indeks values (positions in the
// complete list the API holds), not ids; a barn entry naming an indeks
// that is not in the list is counted in DanglingChildren and otherwise
// ignored. Errors, each naming the unit: a repeated indeks or id, a kode
// whose shape says no level, a forelder that is not in the list or not on
// a higher level, and a barn entry naming a unit whose forelder is another.
func Units(filterVerdier []byte) (*UnitTree, error) {
	raws, err := decodeValues(filterVerdier, "EnhetID")
	if err != nil {
		return nil, err
	}
	t := &UnitTree{Units: make([]Unit, len(raws)), byID: make(map[int64]int, len(raws))}
	pos := make(map[int]int, len(raws)) // indeks → position in raws
	for i, r := range raws {
		where := fmt.Sprintf("EnhetID[%d] (id %d, kode %q)", i, *r.ID, r.Kode)
		if j, dup := pos[*r.Indeks]; dup {
			return nil, fmt.Errorf("reading units: %s has the indeks %d of EnhetID[%d]", where, *r.Indeks, j)
		}
		if j, dup := t.byID[*r.ID]; dup {
			return nil, fmt.Errorf("reading units: %s has the id of EnhetID[%d]", where, j)
		}
		pos[*r.Indeks], t.byID[*r.ID] = i, i
		if r.Nivaa == nil {
			return nil, fmt.Errorf("reading units: %s has no nivaa", where)
		}
		level, ok := levelOf(*r.Nivaa, r.Kode)
		if !ok {
			return nil, fmt.Errorf("reading units: %s (nivaa %d): the kode is no nation, county, municipality or school code", where, *r.Nivaa)
		}
		t.Units[i] = Unit{
			ID: *r.ID, Kode: r.Kode, Name: strings.TrimSpace(r.Navn),
			Level: level, Nivaa: *r.Nivaa, Parent: -1,
			Hidden: bool(r.Skjult), Restricted: bool(r.ErBegrenset),
			Abroad: r.Kode == "U" || (level == LevelSchool && r.Kode[0] == 'U'),
		}
	}
	for i, r := range raws {
		if r.Forelder == nil {
			continue
		}
		u := &t.Units[i]
		p, ok := pos[*r.Forelder]
		if !ok {
			return nil, fmt.Errorf("reading units: EnhetID[%d] (id %d, kode %q) has forelder %d, which is not in the list", i, u.ID, u.Kode, *r.Forelder)
		}
		if t.Units[p].Level >= u.Level {
			return nil, fmt.Errorf("reading units: EnhetID[%d] (id %d, kode %q, %s) has forelder id %d (kode %q), a %s",
				i, u.ID, u.Kode, u.Level, t.Units[p].ID, t.Units[p].Kode, t.Units[p].Level)
		}
		u.Parent, u.ParentID = p, t.Units[p].ID
		t.Units[p].Children = append(t.Units[p].Children, i)
	}
	for i, r := range raws {
		for _, b := range r.Barn {
			t.ChildLinks++
			c, ok := pos[b]
			if !ok {
				t.DanglingChildren++
				continue
			}
			if t.Units[c].Parent != i {
				return nil, fmt.Errorf("reading units: EnhetID[%d] (id %d) lists barn %d (id %d), whose forelder is another unit",
					i, t.Units[i].ID, b, t.Units[c].ID)
			}
		}
	}
	// Levels strictly rise from parent to child, so the walk up ends
	// within five steps and no chain can loop.
	for i := range t.Units {
		for p := t.Units[i].Parent; p >= 0 && !t.Units[i].Abroad; p = t.Units[p].Parent {
			t.Units[i].Abroad = t.Units[p].Abroad
		}
	}
	return t, nil
}

// levelOf says which level a unit is on. The root is nivaa 0; the other
// levels follow from the kode, whose shapes do not overlap, so that the
// mapping holds whatever depth numbering a report uses.
func levelOf(nivaa int, kode string) (Level, bool) {
	switch {
	case nivaa == 0:
		return LevelRoot, true
	case kode == "I" || kode == "U":
		return LevelNation, true
	case len(kode) == 2 && allDigits(kode):
		return LevelCounty, true
	case len(kode) == 4 && allDigits(kode):
		return LevelMunicipality, true
	case len(kode) == 9 && (allDigits(kode) || (kode[0] == 'U' && allDigits(kode[1:]))):
		return LevelSchool, true
	}
	return 0, false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
