package klass

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/skolestat/skolestat/connectors"
	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/internal/emulator/emulatortest"
)

// nationDir is a small simulated nation, generated once for the package.
var nationDir string

func TestMain(m *testing.M) { emulatortest.Main(m, &nationDir, 3, 0.01) }

// readCrosswalk runs the connector and returns from code -> "to kind".
func readCrosswalk(t *testing.T, base string) (map[string][]string, error) {
	t.Helper()
	src, err := New(Config{BaseURL: base, Classification: 131, From: "2014-01-01"}, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.Read(context.Background(), StreamCrosswalk, nil)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	out := map[string][]string{}
	for b.Next() {
		r := b.RecordBatch()
		from, to, kind := r.Column(2).(*array.String), r.Column(4).(*array.String), r.Column(5).(*array.String)
		for i := 0; i < int(r.NumRows()); i++ {
			out[from.Value(i)] = append(out[from.Value(i)], to.Value(i)+" "+kind.Value(i))
		}
	}
	return out, b.Err()
}

// TestConnectorOnTheRealService serves SSB's real KLASS answers (from
// shared/reference) at the API's paths and reads them through the
// connector: the 2024 reform comes out as the change table says.
func TestConnectorOnTheRealService(t *testing.T) {
	files := map[string]string{
		"/classifications/131":         "klass131_classification_versions.json",
		"/classifications/131/changes": "klass131_changes_1971_2025.json",
		"/versions/1710":               "klass131_kommuneinndeling_2024.json",
		"/versions/1847":               "klass131_kommuneinndeling_2023.json",
		"/versions/1846":               "klass131_kommuneinndeling_2022.json",
		"/versions/1860":               "klass131_kommuneinndeling_2020.json",
	}
	bodies := map[string][]byte{}
	for path, name := range files {
		bodies[path] = reference(t, name)
	}
	// Versions before 2020 are asked for too; keep the test to 2020 on.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	src, err := New(Config{BaseURL: srv.URL, Classification: 131, From: "2020-01-01"}, emulatortest.Client())
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.Read(context.Background(), StreamCrosswalk, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got := map[string]string{}
	for b.Next() {
		r := b.RecordBatch()
		for i := 0; i < int(r.NumRows()); i++ {
			if r.Column(1).(*array.Int32).Value(i) == 1860 {
				got[r.Column(2).(*array.String).Value(i)] += r.Column(4).(*array.String).Value(i) + " " + r.Column(5).(*array.String).Value(i) + ";"
			}
		}
	}
	for from, want := range map[string]string{"3001": "3101 renumbered;", "0301": "0301 same;", "1507": "1508 split;1580 split;", "5401": "5501 renumbered;"} {
		if got[from] != want {
			t.Errorf("2020 code %s -> %q, want %q", from, got[from], want)
		}
	}
}

// TestConnectorOnTheEmulator: over a simulated nation, every code of the
// 2020 version leads to a 2024 code, the renumbered ones to the
// municipality of the same name, and every 2024 code is reached.
func TestConnectorOnTheEmulator(t *testing.T) {
	var nation struct {
		Municipalities []struct{ Code, Name, County string } `json:"municipalities"`
	}
	b, _ := os.ReadFile(filepath.Join(nationDir, "nation.json"))
	if err := json.Unmarshal(b, &nation); err != nil {
		t.Fatal(err)
	}
	srv, _ := emulatortest.Serve(t, nationDir, emulator.Options{Faults: emulator.Faults{Failure: 0.1, Truncate: 0.1, Seed: 2}})
	got, err := readCrosswalk(t, srv.URL+emulator.KLASSPrefix)
	if err != nil {
		t.Fatal(err)
	}
	reached := map[string]bool{}
	renumbered := 0
	for from, tos := range got {
		for _, to := range tos {
			code, kind, _ := strings.Cut(to, " ")
			reached[code] = true
			if kind == "renumbered" {
				renumbered++
				if from[:2] != "30" && from[:2] != "38" && from[:2] != "54" {
					t.Errorf("%s renumbered to %s, but only the split counties' municipalities were", from, code)
				}
			}
		}
	}
	split := 0
	for _, m := range nation.Municipalities {
		if !reached[m.Code] {
			t.Errorf("2024 municipality %s %s not reached", m.Code, m.Name)
		}
		switch m.County {
		case "31", "32", "33", "39", "40", "55", "56":
			split++
		}
	}
	if split == 0 || renumbered != split {
		t.Errorf("%d renumbered links, %d municipalities in the counties split in 2024", renumbered, split)
	}
}

func TestDriftIsAPayloadError(t *testing.T) {
	srv, _ := emulatortest.Serve(t, nationDir, emulator.Options{Drift: true})
	_, err := readCrosswalk(t, srv.URL+emulator.KLASSPrefix)
	var pe *connectors.PayloadError
	if !errors.As(err, &pe) || !strings.Contains(pe.Endpoint, "/versions/") || !strings.Contains(pe.Error(), "classificationItems") {
		t.Fatalf("got %v; want a PayloadError naming classificationItems at a version", err)
	}
}
