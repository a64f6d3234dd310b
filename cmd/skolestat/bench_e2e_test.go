package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchLandTypesTheSameRowsAsDuckDB runs the land and survey
// benchmarks on a tiny nation. Their figures are not checked (timings
// belong to `make bench`), but the command fails unless skolestat's typing
// of the saved pivots and DuckDB's read_json typing in SQL agree row for
// row (counts by status and hashes of every row, value included), and
// unless the survey transform and the same aggregation as one DuckDB query
// publish the same cells (count, respondents, sum of means).
func TestBenchLandTypesTheSameRowsAsDuckDB(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a pull and two loads")
	}
	dir := filepath.Join(t.TempDir(), "bench")
	r := mustRun(t, "bench", "--only", "land,survey", "--scale", "0.02", "--repeat", "1", "--dir", dir)
	for _, want := range []string{"national pull", "land and type saved payloads", "ratio to read_json", "survey indices for one national year", "ratio to DuckDB"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}
