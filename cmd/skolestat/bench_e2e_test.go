package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchLandTypesTheSameRowsAsDuckDB runs the land benchmark on a tiny
// nation. Its figures are not checked (timings belong to `make bench`),
// but the command fails unless skolestat's typing of the saved pivots and
// DuckDB's read_json typing in SQL agree row for row (counts by status
// and hashes of every row, value included).
func TestBenchLandTypesTheSameRowsAsDuckDB(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a pull and two loads")
	}
	dir := filepath.Join(t.TempDir(), "bench")
	r := mustRun(t, "bench", "--only", "land", "--scale", "0.02", "--repeat", "1", "--dir", dir)
	for _, want := range []string{"national pull", "land and type saved payloads", "ratio to read_json"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}
