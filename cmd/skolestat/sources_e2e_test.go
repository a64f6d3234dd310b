package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skolestat/skolestat/internal/emulator"
	"github.com/skolestat/skolestat/orchestration"
)

// TestSourceDriftFailsBeforePublishing: when NSR answers in another shape
// (the emulator's drift switch renames Organisasjonsnummer), the run exits
// 2 naming the source, the endpoint and the field, keeps the payload beside
// the warehouse, and leaves the published warehouse as it was.
func TestSourceDriftFailsBeforePublishing(t *testing.T) {
	dir := t.TempDir()
	micro := nation(t, "parquet")
	wh := filepath.Join(dir, "w.duckdb")
	export := filepath.Join(dir, "export")
	mustRun(t, nightly(wh, micro, export)...)
	before := fingerprint(t, wh)

	emulatorURL() // the nation of the clean emulator exists
	em, err := emulator.New(context.Background(), emulator.Options{Data: emuDir, Drift: true})
	if err != nil {
		t.Fatal(err)
	}
	drifted := httptest.NewServer(em)
	defer drifted.Close()
	r := skolestat(t, nightly(wh, micro, export, "--set", "nsr="+drifted.URL+emulator.NSRPrefix)...)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2 (bad input)\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"nsr: unexpected response from", "/nsr/v4/enheter?sidenummer=1", "EnhetListe[0].Organisasjonsnummer"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	kept, _ := filepath.Glob(filepath.Join(orchestration.PayloadDir(wh), "*-nsr-1.payload"))
	if len(kept) != 1 {
		t.Fatalf("payloads kept: %v; want one for the nsr step", kept)
	} else if b, _ := os.ReadFile(kept[0]); !strings.Contains(string(b), `"Orgnr"`) {
		t.Errorf("kept payload does not hold the drifted answer: %.200s", b)
	}
	if after := fingerprint(t, wh); after != before {
		t.Errorf("the published warehouse changed:\n before %s\n after  %s", before, after)
	}
}
