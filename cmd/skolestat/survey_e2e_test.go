package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/skolestat/skolestat/codebook"
)

// TestComputeSurveyEqualsSQLOverTheFiles runs `skolestat compute survey`
// on a small simulated nation and checks every index of the nation in the
// last year against the same definition (indicators.md §3) written as one
// SQL query over the survey_responses file: reverse keying, min_items,
// respondents left out, and the bullying share.
func TestComputeSurveyEqualsSQLOverTheFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a nation and runs a pipeline")
	}
	dir := t.TempDir()
	micro := filepath.Join(dir, "microdata")
	mustRun(t, "sim", "generate", "--out", micro, "--seed", "9", "--scale", "0.01", "--format", "parquet")
	out := filepath.Join(dir, "out")
	mustRun(t, "compute", "survey", "--codebook", "elevundersokelsen", "--responses", micro, "--out", out)

	cb, err := codebook.Builtin(codebook.Elevundersokelsen)
	if err != nil {
		t.Fatal(err)
	}
	g := cb.Groups[0]
	answers := strconv.Quote(filepath.Join(micro, "survey_responses.parquet"))
	answers = "'" + answers[1:len(answers)-1] + "'"
	computed := "'" + filepath.Join(out, "survey_indices", "*", "*.parquet") + "'"
	wh := filepath.Join(dir, "w.duckdb")
	mustRun(t, "run", "microdata", "--warehouse", wh, "--set", "microdata="+micro) // a warehouse to run the queries in
	year := sqlValue(t, wh, "SELECT max(school_year) FROM read_parquet("+answers+")")
	quote := func(items []string) string {
		q := make([]string, len(items))
		for i, it := range items {
			q[i] = "'" + it + "'"
		}
		return strings.Join(q, ", ")
	}
	for _, ix := range g.Indices {
		rev := "''"
		if len(ix.Reverse) > 0 {
			rev = quote(ix.Reverse)
		}
		want := sqlValue(t, wh, fmt.Sprintf(`
WITH a AS (
    SELECT respondent_id, CASE WHEN item_code IN (%s) THEN %d - answer ELSE answer END AS v
    FROM read_parquet(%s)
    WHERE school_year = %s AND item_code IN (%s) AND answer IS NOT NULL),
r AS (SELECT respondent_id, avg(v) AS s FROM a GROUP BY respondent_id HAVING count(*) >= %d)
SELECT count(*) || ' ' || round(avg(s), 9) FROM r`, rev, ix.Scale.Min+ix.Scale.Max, answers, year, quote(ix.Items), ix.MinItems))
		got := sqlValue(t, wh, fmt.Sprintf(`SELECT n || ' ' || round(mean, 9) FROM read_parquet(%s, hive_partitioning = true)
WHERE unit_type = 'nation' AND grade = 'all' AND gender = 'all' AND school_year = %s AND index_code = '%s'`, computed, year, ix.Code))
		if got != want {
			t.Errorf("%s in %s: computed n and mean %s, SQL over the file %s", ix.Code, year, got, want)
		}
	}
	b := g.Bullying
	want := sqlValue(t, wh, fmt.Sprintf(`
SELECT count(*) || ' ' || round(100 * avg(CASE WHEN m >= %d THEN 1 ELSE 0 END), 9) FROM (
    SELECT respondent_id, max(answer) AS m FROM read_parquet(%s)
    WHERE school_year = %s AND item_code IN (%s) AND answer IS NOT NULL GROUP BY respondent_id)`,
		b.Threshold, answers, year, quote(b.Items)))
	got := sqlValue(t, wh, fmt.Sprintf(`SELECT n || ' ' || round(mean, 9) FROM read_parquet(%s, hive_partitioning = true)
WHERE unit_type = 'nation' AND grade = 'all' AND gender = 'all' AND school_year = %s AND index_code = '%s'`, computed, year, b.Code))
	if got != want {
		t.Errorf("%s in %s: computed n and share %s, SQL over the file %s", b.Code, year, got, want)
	}
}

// TestComputeSurveyNamesTheBadAnswer: an answer the microdata contract
// allows (1-99) but the codebook's scale does not (1-5) stops the run as
// bad input (exit 2) with the file and row it came from; with --lenient
// the run goes on.
func TestComputeSurveyNamesTheBadAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a pipeline")
	}
	micro := copyNation(t, csvNation(t))
	const row = 7 // a data row whose answer is set off the scale
	edit(t, micro, "survey_responses.csv", func(tb *table) { tb.set(t, row, "answer", "7") })
	out := filepath.Join(t.TempDir(), "out")
	r := skolestat(t, "compute", "survey", "--codebook", "elevundersokelsen", "--responses", micro, "--out", out)
	want := fmt.Sprintf("survey_responses.csv row %d", row)
	if r.code != 2 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "answer 7 is off the scale 1..5") {
		t.Errorf("exit %d; want 2 (bad input) naming %q and the scale; stderr:\n%s", r.code, want, r.stderr)
	}
	mustRun(t, "compute", "survey", "--codebook", "elevundersokelsen", "--responses", micro, "--out", out, "--lenient")

	// An item code the codebook does not know is bad input too.
	typo := copyNation(t, csvNation(t))
	const typoRow = 12
	edit(t, typo, "survey_responses.csv", func(tb *table) { tb.set(t, typoRow, "item_code", "EU1379_9") })
	r = skolestat(t, "compute", "survey", "--codebook", "elevundersokelsen", "--responses", typo, "--out", filepath.Join(t.TempDir(), "out"))
	want = fmt.Sprintf("survey_responses.csv row %d", typoRow)
	if r.code != 2 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "column item_code: item EU1379_9 is not in codebook group") {
		t.Errorf("exit %d; want 2 (bad input) naming %q, the column and the item; stderr:\n%s", r.code, want, r.stderr)
	}

	// In a kept warehouse the set-aside answer is in the quarantine, named
	// like the extract's own rejects, and counted in meta.data_quality.
	wh := filepath.Join(t.TempDir(), "w.duckdb")
	mustRun(t, "run", "survey", "--warehouse", wh, "--set", "microdata="+micro, "--set", "lenient=true", "--set", "out="+out)
	got := sqlValue(t, wh, `SELECT string_agg(table_name || ' ' || regexp_extract(source_file, '[^/]+$') || ' ' || source_row || ' ' || column_name || ' ' || (raw_values->>'answer') || ' ' || contains(reason, 'off the scale'), '; ') FROM restricted.quarantine`)
	if want := fmt.Sprintf("survey_responses survey_responses.csv %d answer 7 true", row); got != want {
		t.Errorf("restricted.quarantine: %s; want %s", got, want)
	}
	if got := sqlValue(t, wh, `SELECT sum(rows) FROM meta.data_quality WHERE step_id = 'survey' AND check_name = 'quarantined' AND table_name = 'survey_responses'`); got != "1" {
		t.Errorf("meta.data_quality counts %s quarantined answers of the survey step; want 1", got)
	}
}
