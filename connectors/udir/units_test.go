package udir

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const npFilterValues = "udir-nasjonale-prover/filterVerdier.ungdomstrinn.json"

// rawUnitCounts works out from generic maps, without the parser: units per
// nivaa, barn entries, barn entries naming an absent indeks, and names with
// trailing spaces.
func rawUnitCounts(t *testing.T, b []byte) (byNivaa map[int]int, barn, dangling, trailing int) {
	t.Helper()
	var doc map[string][]map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	present := map[float64]bool{}
	for _, u := range doc["EnhetID"] {
		present[u["indeks"].(float64)] = true
	}
	byNivaa = map[int]int{}
	for _, u := range doc["EnhetID"] {
		byNivaa[int(u["nivaa"].(float64))]++
		if n := u["navn"].(string); strings.TrimRight(n, " ") != n {
			trailing++
		}
		kids, _ := u["barn"].([]any)
		for _, k := range kids {
			barn++
			if !present[k.(float64)] {
				dangling++
			}
		}
	}
	return byNivaa, barn, dangling, trailing
}

func TestUnitsFixture(t *testing.T) {
	b := fixture(t, npFilterValues)
	byNivaa, barn, dangling, trailing := rawUnitCounts(t, b)
	tree, err := Units(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Units) != 1555 {
		t.Errorf("%d units, want 1555", len(tree.Units))
	}
	// In this report nivaa 0..4 is root, nation, county, municipality,
	// school: the level worked out from the kode agrees with it.
	want := map[Level]int{LevelRoot: 1, LevelNation: 2, LevelCounty: 16, LevelMunicipality: 358, LevelSchool: 1178}
	for l, n := range want {
		if got := tree.Count(l); got != n || got != byNivaa[int(l)] {
			t.Errorf("%s: %d units, want %d (nivaa %d has %d)", l, got, n, int(l), byNivaa[int(l)])
		}
	}
	for _, u := range tree.Units {
		if int(u.Level) != u.Nivaa {
			t.Errorf("unit %d (kode %q) is a %s at nivaa %d", u.ID, u.Kode, u.Level, u.Nivaa)
		}
		if u.Name != strings.TrimSpace(u.Name) {
			t.Errorf("unit %d name %q is not trimmed", u.ID, u.Name)
		}
	}
	if tree.ChildLinks != barn || tree.ChildLinks != 3217 {
		t.Errorf("ChildLinks = %d, want 3217 (raw count %d)", tree.ChildLinks, barn)
	}
	if tree.DanglingChildren != dangling || tree.DanglingChildren != 1663 {
		t.Errorf("DanglingChildren = %d, want 1663 (raw count %d)", tree.DanglingChildren, dangling)
	}
	if trailing != 98 {
		t.Errorf("fixture has %d names with trailing spaces; SOURCES.md says 98", trailing)
	}
}

// Units and their places looked up by hand in the fixture.
func TestUnitsFixtureUnits(t *testing.T) {
	tree, err := Units(fixture(t, npFilterValues))
	if err != nil {
		t.Fatal(err)
	}
	get := func(id int64) Unit {
		t.Helper()
		u, ok := tree.ByID(id)
		if !ok {
			t.Fatalf("no unit %d", id)
		}
		return u
	}
	type place struct {
		id           int64
		kode, name   string
		level        Level
		parent       int64
		municipality int64 // 0: none expected
		county       int64
		nation       int64
		abroad       bool
	}
	for _, p := range []place{
		{-10, "Alle", "Hele landet", LevelRoot, 0, 0, 0, 0, false},
		{-12, "I", "Hele landet", LevelNation, -10, 0, 0, 0, false},
		{-17, "03", "Oslo", LevelCounty, -12, 0, 0, -12, false},
		{-76, "0301", "Oslo", LevelMunicipality, -17, 0, -17, -12, false},
		{6047, "974589648", "Abildsø skole", LevelSchool, -76, -76, -17, -12, false},
		{27274, "986078479", "Stiftelsen steinerskolen i Arendal", LevelSchool, -720, -720, -538, -12, false},
		{-720, "4203", "Arendal", LevelMunicipality, -538, 0, -538, -12, false},
		{-906, "2100", "Svalbard", LevelMunicipality, -788, 0, -788, -12, false},
		{44202, "974795655", "Longyearbyen skole grunnskole", LevelSchool, -906, -906, -788, -12, false},
		{-13, "U", "Utlandet", LevelNation, -10, 0, 0, 0, true},
		{-34, "25", "Utlandet", LevelCounty, -13, 0, 0, -13, true},
		{-476, "2599", "Utlandet, uspesifisert", LevelMunicipality, -34, 0, -34, -13, true},
		{7483, "U90099006", "Costa Blanca Undervisning - Albir", LevelSchool, -476, -476, -34, -13, true},
	} {
		u := get(p.id)
		if u.Kode != p.kode || u.Name != p.name || u.Level != p.level || u.ParentID != p.parent || u.Abroad != p.abroad {
			t.Errorf("unit %d = %q %q %s parent %d abroad %v; want %q %q %s parent %d abroad %v",
				p.id, u.Kode, u.Name, u.Level, u.ParentID, u.Abroad, p.kode, p.name, p.level, p.parent, p.abroad)
		}
		if p.parent != 0 {
			if par := tree.Units[u.Parent]; par.ID != p.parent {
				t.Errorf("unit %d: Parent index holds %d, ParentID says %d", p.id, par.ID, p.parent)
			}
		} else if u.Parent != -1 {
			t.Errorf("unit %d: Parent = %d, want -1", p.id, u.Parent)
		}
		for _, a := range []struct {
			level Level
			want  int64
		}{{LevelMunicipality, p.municipality}, {LevelCounty, p.county}, {LevelNation, p.nation}} {
			got, ok := tree.Ancestor(u, a.level)
			if ok != (a.want != 0) || got.ID != a.want {
				t.Errorf("unit %d: %s ancestor = %d, %v; want %d", p.id, a.level, got.ID, ok, a.want)
			}
		}
	}
	root := get(-10)
	if !root.Hidden || get(-12).Hidden {
		t.Error("only the root should be hidden")
	}
	var kids []int64
	for _, c := range root.Children {
		kids = append(kids, tree.Units[c].ID)
	}
	if !reflect.DeepEqual(kids, []int64{-12, -13}) {
		t.Errorf("root children = %v, want [-12 -13]", kids)
	}
	if oslo := get(-17); len(oslo.Children) != 1 || tree.Units[oslo.Children[0]].ID != -76 {
		t.Errorf("Oslo county children = %v, want Oslo municipality only", oslo.Children)
	}
	if _, ok := tree.ByID(123456789); ok {
		t.Error("found a unit that is not in the list")
	}
}

// A hand-written list whose indeks values are not positions: forelder and
// barn must be resolved by indeks. Position 1 holds indeks 7; indeks 1 is
// at position 3, so resolving by position would give other parents.
func TestUnitsByIndeks(t *testing.T) {
	body := `{"EnhetID":[
		{"indeks":0,"id":-10,"kode":"Alle","navn":"Hele landet","nivaa":0,"skjult":1,"barn":[1,99]},
		{"indeks":7,"id":-600,"kode":"4203","navn":"Arendal ","nivaa":3,"forelder":2,"barn":[8,50]},
		{"indeks":8,"id":28027,"kode":"990334021","navn":"Arendal International School","nivaa":4,"forelder":7},
		{"indeks":1,"id":-12,"kode":"I","navn":"Hele landet","nivaa":1,"forelder":0,"barn":[2]},
		{"indeks":2,"id":-538,"kode":"42","navn":"Agder","nivaa":2,"forelder":1,"barn":[7]}
	]}`
	tree, err := Units([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id, parent int64
		level      Level
	}{{-10, 0, LevelRoot}, {-600, -538, LevelMunicipality}, {28027, -600, LevelSchool}, {-12, -10, LevelNation}, {-538, -12, LevelCounty}}
	for i, w := range want {
		u := tree.Units[i]
		if u.ID != w.id || u.ParentID != w.parent || u.Level != w.level {
			t.Errorf("Units[%d] = id %d parent %d %s; want %d %d %s", i, u.ID, u.ParentID, u.Level, w.id, w.parent, w.level)
		}
	}
	if tree.Units[1].Name != "Arendal" {
		t.Errorf("name %q not trimmed", tree.Units[1].Name)
	}
	if tree.ChildLinks != 6 || tree.DanglingChildren != 2 {
		t.Errorf("ChildLinks %d DanglingChildren %d, want 6 and 2", tree.ChildLinks, tree.DanglingChildren)
	}
	if c, ok := tree.Ancestor(tree.Units[2], LevelCounty); !ok || c.ID != -538 {
		t.Errorf("county of the school = %d, %v; want -538", c.ID, ok)
	}
}

func TestUnitsErrors(t *testing.T) {
	root := `{"indeks":0,"id":-10,"kode":"Alle","navn":"x","nivaa":0}`
	nation := `{"indeks":1,"id":-12,"kode":"I","navn":"x","nivaa":1,"forelder":0}`
	list := func(units ...string) string { return `{"EnhetID":[` + strings.Join(units, ",") + `]}` }
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"malformed", `{"EnhetID":[`, []string{"decoding filterVerdier"}},
		{"no EnhetID", `{"TidID":[],"SkoleAarID":[]}`, []string{"no EnhetID list", "SkoleAarID, TidID"}},
		{"EnhetID not a list", `{"EnhetID":{}}`, []string{"decoding filterVerdier EnhetID"}},
		{"id as text", list(root, `{"indeks":1,"id":"-12","kode":"I","nivaa":1}`), []string{"EnhetID[1]"}},
		{"no indeks", list(root, `{"id":-12,"kode":"I","nivaa":1}`), []string{"EnhetID[1]", "no indeks"}},
		{"no nivaa", list(root, `{"indeks":1,"id":-12,"kode":"I","forelder":0}`), []string{"EnhetID[1]", "no nivaa"}},
		{"repeated indeks", list(root, `{"indeks":0,"id":-12,"kode":"I","nivaa":1}`), []string{"EnhetID[1]", "indeks 0"}},
		{"repeated id", list(root, `{"indeks":1,"id":-10,"kode":"I","nivaa":1}`), []string{"EnhetID[1]", "id of EnhetID[0]"}},
		{"unknown kode", list(root, `{"indeks":1,"id":-12,"kode":"X1","nivaa":1,"forelder":0}`), []string{"EnhetID[1]", `"X1"`}},
		{"8-digit kode", list(root, `{"indeks":1,"id":5,"kode":"12345678","nivaa":4,"forelder":0}`), []string{`"12345678"`}},
		{"orphan", list(root, `{"indeks":1,"id":-12,"kode":"I","nivaa":1,"forelder":5}`), []string{"EnhetID[1]", "forelder 5", "not in the list"}},
		{"parent not above", list(root, nation, `{"indeks":2,"id":-76,"kode":"0301","nivaa":3,"forelder":3}`, `{"indeks":3,"id":-77,"kode":"0302","nivaa":3,"forelder":1}`),
			[]string{"EnhetID[2]", "forelder id -77", "municipality"}},
		{"barn with another forelder", list(`{"indeks":0,"id":-10,"kode":"Alle","nivaa":0,"barn":[2]}`, nation, `{"indeks":2,"id":-538,"kode":"42","nivaa":2,"forelder":1}`),
			[]string{"EnhetID[0]", "barn 2", "id -538"}},
		{"skjult not a flag", list(`{"indeks":0,"id":-10,"kode":"Alle","nivaa":0,"skjult":2}`), []string{"EnhetID[0]", "not 0, 1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tree, err := Units([]byte(tt.body))
			if err == nil {
				t.Fatalf("no error; %d units", len(tree.Units))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestFilterValues(t *testing.T) {
	t.Run("GSI years", func(t *testing.T) {
		vals, err := FilterValues(fixture(t, "udir-gsi/filterverdier_years.json"), "TidID")
		if err != nil {
			t.Fatal(err)
		}
		if len(vals) != 12 {
			t.Fatalf("%d years, want 12", len(vals))
		}
		first := FilterValue{Index: 0, ID: 202510, Kode: "202510", Navn: "2025-26"}
		last := FilterValue{Index: 11, ID: 201410, Kode: "201410", Navn: "2014-15"}
		if vals[0] != first || vals[11] != last {
			t.Errorf("first %+v last %+v; want %+v %+v", vals[0], vals[11], first, last)
		}
	})
	t.Run("NP grades", func(t *testing.T) {
		vals, err := FilterValues(fixture(t, npFilterValues), "TrinnID")
		if err != nil {
			t.Fatal(err)
		}
		want := []FilterValue{{0, 7, "8", "8. årstrinn", false}, {1, 8, "9", "9. årstrinn", false}}
		if !reflect.DeepEqual(vals, want) {
			t.Errorf("TrinnID = %+v, want %+v", vals, want)
		}
	})
	t.Run("hand-written", func(t *testing.T) {
		vals, err := FilterValues([]byte(`{"KjoennID":[{"indeks":0,"id":-10,"kode":"A","navn":" Alle kjønn ","erBegrenset":1}]}`), "KjoennID")
		if err != nil || len(vals) != 1 || vals[0] != (FilterValue{0, -10, "A", "Alle kjønn", true}) {
			t.Errorf("= %+v, %v", vals, err)
		}
		if _, err := FilterValues([]byte(`{"KjoennID":[]}`), "TidID"); err == nil || !strings.Contains(err.Error(), "no TidID list (it has KjoennID)") {
			t.Errorf("missing filter: %v", err)
		}
	})
}

// FuzzUnits: no input panics, and a tree that builds is consistent.
func FuzzUnits(f *testing.F) {
	f.Add([]byte(`{"EnhetID":[{"indeks":0,"id":-10,"kode":"Alle","navn":"x","nivaa":0,"barn":[1,5]},
		{"indeks":1,"id":-12,"kode":"I","navn":"x","nivaa":1,"forelder":0}]}`))
	f.Add([]byte(`{"EnhetID":[{"indeks":3,"id":1,"kode":"U90099006","nivaa":4,"forelder":3}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tree, err := Units(b)
		if err != nil {
			return
		}
		for i, u := range tree.Units {
			if u.Parent >= 0 && tree.Units[u.Parent].Level >= u.Level {
				t.Fatalf("unit %d is below a unit of level %s", i, tree.Units[u.Parent].Level)
			}
			for l := LevelRoot; l <= LevelSchool; l++ {
				tree.Ancestor(u, l)
			}
		}
		if tree.DanglingChildren > tree.ChildLinks {
			t.Fatalf("%d dangling of %d links", tree.DanglingChildren, tree.ChildLinks)
		}
	})
}
