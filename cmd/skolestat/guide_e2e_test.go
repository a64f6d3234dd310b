package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAnalystGuideQueriesRun runs every query of docs/analyst-guide.md
// (the macro examples and the twenty questions) on a warehouse the nightly
// pipeline built, so that the guide cannot drift from the warehouse: each
// must run without error.
func TestAnalystGuideQueriesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the nightly pipeline")
	}
	guide, err := os.ReadFile(filepath.Join("..", "..", "docs", "analyst-guide.md"))
	if err != nil {
		t.Fatal(err)
	}
	var queries []string
	for _, m := range regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(guide), -1) {
		for _, q := range strings.Split(m[1], ";") {
			var lines []string
			for _, l := range strings.Split(q, "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
					lines = append(lines, l)
				}
			}
			if len(lines) > 0 {
				queries = append(queries, strings.Join(lines, " "))
			}
		}
	}
	questions := string(guide)
	if i := strings.Index(questions, "## Twenty questions"); i >= 0 {
		questions = questions[i:]
	}
	for _, m := range regexp.MustCompile("`(SELECT [^`]*)`").FindAllStringSubmatch(questions, -1) {
		queries = append(queries, m[1])
	}
	if len(queries) < 24 {
		t.Fatalf("found %d queries in the guide, want the 4 macro examples and the 20 questions", len(queries))
	}
	dir := t.TempDir()
	wh := filepath.Join(dir, "w.duckdb")
	mustRun(t, nightly(wh, nation(t, "parquet"), filepath.Join(dir, "export"))...)
	for _, q := range queries {
		if r := skolestat(t, "sql", "--warehouse", wh, "--format", "csv", "-c", q); r.code != 0 {
			t.Errorf("%s\nexit %d: %s", q, r.code, r.stderr)
		}
	}
}
