package klass

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := time.Parse(day, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestCrosswalkByHand: a renumbering, a merge, a split, a code that stays,
// two steps in a row, and a change outside the window.
func TestCrosswalkByHand(t *testing.T) {
	changes := []Change{
		{OldCode: "0101", NewCode: "3001", Occurred: d("2020-01-01")}, // renumbered ...
		{OldCode: "3001", NewCode: "3101", Occurred: d("2024-01-01")}, // ... twice
		{OldCode: "1850", NewCode: "1806", Occurred: d("2020-01-01")}, // split, half into a merge
		{OldCode: "1850", NewCode: "1875", Occurred: d("2020-01-01")},
		{OldCode: "1805", NewCode: "1806", Occurred: d("2020-01-01")},
		{OldCode: "1103", NewCode: "1103", Occurred: d("2020-01-01")}, // absorbed others, same code
		{OldCode: "1141", NewCode: "1103", Occurred: d("2020-01-01")},
		{OldCode: "0301", NewCode: "9999", Occurred: d("2030-01-01")}, // after the window
	}
	got := Crosswalk([]string{"0101", "0301", "1103", "1141", "1805", "1850"}, changes, d("2019-01-01"), d("2024-01-01"))
	want := []Link{
		{"0101", "3101", Renumbered},
		{"0301", "0301", Same},
		{"1103", "1103", Merged},
		{"1141", "1103", Merged},
		{"1805", "1806", Merged},
		{"1850", "1806", Split},
		{"1850", "1875", Split},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("crosswalk\n got  %v\n want %v", got, want)
	}
	// From 2020 on, the 2020 changes are history: 3001 only moves in 2024.
	got = Crosswalk([]string{"3001"}, changes, d("2020-01-01"), d("2024-01-01"))
	if want := []Link{{"3001", "3101", Renumbered}}; !reflect.DeepEqual(got, want) {
		t.Errorf("crosswalk from 2020: %v, want %v", got, want)
	}
}

func TestAt(t *testing.T) {
	vs := []Version{{ID: 1, ValidFrom: d("2020-01-01"), ValidTo: d("2024-01-01")}, {ID: 2, ValidFrom: d("2024-01-01")}}
	for _, tt := range []struct {
		date string
		id   int
		ok   bool
	}{{"2019-12-31", 0, false}, {"2020-01-01", 1, true}, {"2023-12-31", 1, true}, {"2024-01-01", 2, true}, {"2030-06-01", 2, true}} {
		v, ok := At(vs, d(tt.date))
		if ok != tt.ok || v.ID != tt.id {
			t.Errorf("At(%s) = %d, %v; want %d, %v", tt.date, v.ID, ok, tt.id, tt.ok)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		fn   func([]byte) error
		in   string
	}{
		{"classification without versions", func(b []byte) error { _, err := ParseClassification(b); return err }, `{"id":131}`},
		{"bad date", func(b []byte) error { _, err := ParseClassification(b); return err }, `{"versions":[{"id":1,"validFrom":"1.1.2024"}]}`},
		{"version without items", func(b []byte) error { _, _, err := ParseVersion(b); return err }, `{"id":1,"validFrom":"2024-01-01"}`},
		{"code twice", func(b []byte) error { _, _, err := ParseVersion(b); return err },
			`{"id":1,"validFrom":"2024-01-01","classificationItems":[{"code":"0301","name":"Oslo"},{"code":"0301","name":"Oslo"}]}`},
		{"change without new code", func(b []byte) error { _, err := ParseChanges(b); return err }, `{"codeChanges":[{"oldCode":"0101","changeOccurred":"2020-01-01"}]}`},
		{"not JSON", func(b []byte) error { _, err := ParseChanges(b); return err }, `<html>`},
	} {
		if err := tt.fn([]byte(tt.in)); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

// reference reads a file of shared/reference, or skips.
func reference(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "reference", name))
	if err != nil {
		t.Skipf("shared/reference/%s not available: %v", name, err)
	}
	return b
}

func codes(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Code)
	}
	return out
}

// TestCrosswalkOfTheRealReforms follows every municipality of 2019 and of
// 2020 to 2024 through SSB's real change table: every target is a 2024
// code, every 2024 code is reached, and the known cases come out right.
func TestCrosswalkOfTheRealReforms(t *testing.T) {
	changes, err := ParseChanges(reference(t, "klass131_changes_1971_2025.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 594 {
		t.Errorf("%d change rows, SOURCES.md counts 594", len(changes))
	}
	v2019, items2019, err := ParseVersion(reference(t, "klass131_kommuneinndeling_2019.json"))
	if err != nil {
		t.Fatal(err)
	}
	v2020, items2020, err := ParseVersion(reference(t, "klass131_kommuneinndeling_2020.json"))
	if err != nil {
		t.Fatal(err)
	}
	v2024, items2024, err := ParseVersion(reference(t, "klass131_kommuneinndeling_2024.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(items2019) != 423 || len(items2020) != 357 || len(items2024) != 358 {
		t.Errorf("codes: 2019 %d, 2020 %d, 2024 %d; SOURCES.md counts 423, 357, 358", len(items2019), len(items2020), len(items2024))
	}
	codes2024 := map[string]bool{}
	for _, c := range codes(items2024) {
		codes2024[c] = true
	}
	for _, from := range []struct {
		v     Version
		items []Item
	}{{v2019, items2019}, {v2020, items2020}} {
		links := Crosswalk(codes(from.items), changes, from.v.ValidFrom, v2024.ValidFrom)
		reached := map[string]bool{}
		for _, l := range links {
			if !codes2024[l.To] {
				t.Errorf("%s: %s leads to %s, not a 2024 code", from.v.Name, l.From, l.To)
			}
			reached[l.To] = true
		}
		if len(reached) != len(codes2024) {
			var missing []string
			for c := range codes2024 {
				if !reached[c] {
					missing = append(missing, c)
				}
			}
			sort.Strings(missing)
			t.Errorf("%s: %d of %d codes of 2024 reached; not: %v", from.v.Name, len(reached), len(codes2024), missing)
		}
	}

	links := Crosswalk(codes(items2019), changes, v2019.ValidFrom, v2024.ValidFrom)
	by := map[string][]string{}
	for _, l := range links {
		by[l.From] = append(by[l.From], fmt.Sprintf("%s %s", l.To, l.Kind))
	}
	for from, want := range map[string][]string{
		"0101": {"3101 renumbered"},                        // Halden: 0101 -> 3001 (2020) -> 3101 (2024)
		"0301": {"0301 same"},                              // Oslo
		"1201": {"4601 renumbered"},                        // Bergen: a new number only
		"1854": {"1806 merged"},                            // Ballangen into Narvik (with 1805 and part of 1850)
		"1850": {"1806 split", "1875 split"},               // Tysfjord
		"5012": {"5055 split", "5056 split", "5059 split"}, // Snillfjord
		"1504": {"1508 split", "1580 split"},               // Ålesund 2019 -> 1507 (2020) -> 1508 + 1580 (2024)
	} {
		if got := by[from]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s -> %v, want %v", from, got, want)
		}
	}
}

func TestRealVersions(t *testing.T) {
	vs, err := ParseClassification(reference(t, "klass131_classification_versions.json"))
	if err != nil {
		t.Fatal(err)
	}
	for date, want := range map[string]int{"2019-06-01": 1102, "2020-06-01": 1860, "2021-06-01": 1860, "2023-06-01": 1847, "2024-06-01": 1710} {
		if v, ok := At(vs, d(date)); !ok || v.ID != want {
			t.Errorf("version at %s: %d (%v), want %d as shared/reference/SOURCES.md says", date, v.ID, ok, want)
		}
	}
}
