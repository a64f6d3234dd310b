package peergroups

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltinAgainstKlass2024 checks every built-in member against SSB's
// Kommuneinndeling 2024 (KLASS 131, in shared/reference): the code exists
// and carries the municipality's name. Skips when shared is absent.
func TestBuiltinAgainstKlass2024(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "reference", "klass131_kommuneinndeling_2024.json"))
	if err != nil {
		t.Skipf("shared/reference/klass131_kommuneinndeling_2024.json not available: %v", err)
	}
	var version struct {
		ValidFrom string `json:"validFrom"`
		Items     []struct {
			Code string `json:"code"`
			Name string `json:"name"`
		} `json:"classificationItems"`
	}
	if err := json.Unmarshal(data, &version); err != nil {
		t.Fatal(err)
	}
	if version.ValidFrom != "2024-01-01" {
		t.Fatalf("reference version valid from %s, want 2024-01-01", version.ValidFrom)
	}
	names := map[string]string{}
	for _, it := range version.Items {
		// Some names carry a Sámi form: "Trondheim - Tråante".
		name, _, _ := strings.Cut(it.Name, " - ")
		names[it.Code] = name
	}
	// The members by name, as sources.md §8 and domain.md §5.1 name them.
	want := map[string]bool{
		"Oslo": true, "Bergen": true, "Trondheim": true, "Stavanger": true, "Sandnes": true, "Kristiansand": true,
		"Tromsø": true, "Bærum": true, "Asker": true, "Lillestrøm": true, "Drammen": true, "Fredrikstad": true,
	}
	for _, m := range Builtin().Members {
		name, ok := names[m.Municipality]
		switch {
		case !ok:
			t.Errorf("ASSS member %s is not a municipality in 2024", m.Municipality)
		case !want[name]:
			t.Errorf("ASSS member %s is %q in 2024, not one of the ASSS municipalities", m.Municipality, name)
		}
		delete(want, name)
	}
	for name := range want {
		t.Errorf("%s is missing from the built-in ASSS group", name)
	}
}
