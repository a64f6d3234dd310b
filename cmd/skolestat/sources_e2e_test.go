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

// TestSecondRunRewritesNothingFromUnchangedSources: run nightly twice with
// nothing changed at NSR. The second run lands no NSR rows, says so in
// meta.data_quality and the log, leaves raw.responses as the first run
// landed them, and records the check in meta.source_state.
func TestSecondRunRewritesNothingFromUnchangedSources(t *testing.T) {
	dir := t.TempDir()
	micro := nation(t, "parquet")
	wh := filepath.Join(dir, "w.duckdb")
	export := filepath.Join(dir, "export")
	mustRun(t, nightly(wh, micro, export)...)
	q := func(sql string) string {
		t.Helper()
		return strings.TrimSpace(mustRun(t, "sql", "--warehouse", wh, "--format", "csv", "-c", sql).stdout)
	}
	firstRun := q("SELECT run_id FROM meta.runs")
	responses := q("SELECT count(*) || ' ' || count(DISTINCT run_id) || ' ' || min(run_id) FROM raw.responses WHERE step_id = 'nsr'")
	if !strings.HasSuffix(responses, " 1 "+strings.Split(firstRun, "\n")[1]) {
		t.Fatalf("raw.responses after the first run: %q", responses)
	}

	second := mustRun(t, nightly(wh, micro, export)...)
	if !strings.Contains(second.stderr, "stream unchanged; nothing rewritten") {
		t.Errorf("the second run does not say NSR was unchanged:\n%s", second.stderr)
	}
	if got := q("SELECT rows_out FROM meta.steps WHERE step_id = 'nsr' ORDER BY started_at DESC LIMIT 1"); got != "rows_out\n0" {
		t.Errorf("second nsr step rows_out: %q, want 0", got)
	}
	if got := q("SELECT check_name FROM meta.data_quality WHERE table_name = 'raw.nsr_schools' ORDER BY run_id DESC LIMIT 1"); got != "check_name\nunchanged" {
		t.Errorf("data quality of the second run: %q", got)
	}
	if got := q("SELECT count(*) || ' ' || count(DISTINCT run_id) || ' ' || min(run_id) FROM raw.responses WHERE step_id = 'nsr'"); got != responses {
		t.Errorf("raw.responses rewritten: %q, was %q", got, responses)
	}
	if got := q("SELECT (last_run_id <> last_changed_run_id)::VARCHAR FROM meta.source_state WHERE step_id = 'nsr'"); !strings.HasSuffix(got, "\ntrue") {
		t.Errorf("source state: %q; want last checked by the second run, last changed by the first", got)
	}
	if n := q("SELECT count(*) FROM raw.nsr_schools"); n == "count_star()\n0" {
		t.Error("raw.nsr_schools emptied by the unchanged run")
	}
}

// TestSourcesCheck: against the emulator every source answers; against the
// drifted emulator NSR fails naming the field, and the exit code says so.
func TestSourcesCheck(t *testing.T) {
	base := emulatorURL()
	ok := mustRun(t, append([]string{"sources", "check"}, sets(emulator.Params(base)...)...)...)
	results := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(ok.stdout), "\n")[1:] {
		f := strings.Fields(line)
		results[f[0]] = f[2] + " " + f[len(f)-1]
	}
	if !strings.HasPrefix(results["nsr"], "ok ") || !strings.HasSuffix(results["nsr"], "/nsr/v4/enheter?sidenummer=1&antallperside=1") ||
		!strings.HasPrefix(results["klass"], "ok ") || !strings.HasSuffix(results["klass"], "/klass/classifications/131") ||
		!strings.HasPrefix(results["udir"], "ok ") || !strings.HasSuffix(results["udir"], "/udir/rest/v1/Rapportside/GSK_NP_Geografisk") ||
		!strings.HasPrefix(results["udir_survey"], "ok ") || !strings.HasSuffix(results["udir_survey"], "/eksport/api/rest/v2/Eksport") ||
		!strings.HasPrefix(results["ssb"], "ok ") {
		t.Errorf("sources check:\n%s", ok.stdout)
	}

	em, err := emulator.New(context.Background(), emulator.Options{Data: emuDir, Drift: true})
	if err != nil {
		t.Fatal(err)
	}
	drifted := httptest.NewServer(em)
	defer drifted.Close()
	params := emulator.Params(base)
	params[0] = "nsr=" + drifted.URL + emulator.NSRPrefix // only NSR drifts
	if !strings.HasPrefix(emulator.Params(base)[0], "nsr=") {
		t.Fatal("emulator.Params no longer starts with nsr")
	}
	r := skolestat(t, append([]string{"sources", "check"}, sets(params...)...)...)
	if r.code != 1 || !strings.Contains(r.stdout, "FAILED (unexpected answer)") || !strings.Contains(r.stdout, "EnhetListe[0].Organisasjonsnummer") {
		t.Errorf("exit %d; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}
