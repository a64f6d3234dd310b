package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestStabilityAndProfilesBySQL runs the built-in stability and profiles
// pipelines into a kept warehouse and checks their outputs with SQL over
// the school effects they read (a path apart from transforms/profile):
// the year-to-year correlations and the reliabilities recomputed with
// DuckDB's corr and var_samp, the same-cohort pairing, the count of schools
// with all five windows, and that every P1 school's effect is above 0 and
// every P4 school's below 0 in each window.
func TestStabilityAndProfilesBySQL(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a nation and runs pipelines")
	}
	dir := t.TempDir()
	micro := filepath.Join(dir, "microdata")
	mustRun(t, "sim", "generate", "--out", micro, "--seed", "8", "--scale", "0.05", "--format", "parquet")
	wh := filepath.Join(dir, "w.duckdb")
	mustRun(t, "run", "stability", "--warehouse", wh, "--set", "microdata="+micro, "--set", "out="+filepath.Join(dir, "stab"))
	trim := func(s string) string { return strings.Trim(s, `"`) }

	const eff = `(SELECT * FROM core.sbi_school WHERE model = 'fixed' AND status = 'ok')`
	bad := trim(sqlValue(t, wh, `
WITH y2y AS (
    SELECT a.level, a.window_label, b.window_label AS to_window, count(*) AS n, corr(a.effect_z, b.effect_z) AS r
    FROM `+eff+` AS a JOIN `+eff+` AS b
      ON a.level = b.level AND a.school_orgnr = b.school_orgnr
     AND split_part(b.window_label, '+', 1)::INT = split_part(a.window_label, '+', 1)::INT + 1
    GROUP BY ALL),
rel AS (
    SELECT level, window_label, count(*) AS n, 1 - avg(se * se) / var_samp(effect_z) AS rel
    FROM `+eff+` GROUP BY ALL)
SELECT (SELECT count(*) FROM y2y) || ' pairs, ' ||
       (SELECT count(*) FROM y2y JOIN core.sbi_stability AS s
          ON s.measure = 'year_to_year' AND s.level = y2y.level AND s.window_label = y2y.window_label AND s.to_window_label = y2y.to_window
         WHERE s.n_schools = y2y.n AND abs(s.r - y2y.r) < 1e-9) || ' equal; ' ||
       (SELECT count(*) FROM rel) || ' windows, ' ||
       (SELECT count(*) FROM rel JOIN core.sbi_stability AS s
          ON s.measure = 'reliability' AND s.level = rel.level AND s.window_label = rel.window_label
         WHERE s.n_schools = rel.n AND abs(s.reliability - greatest(rel.rel, 0)) < 1e-9) || ' equal'`))
	var pairs, equal1, windows, equal2 int
	if _, err := fmt.Sscanf(bad, "%d pairs, %d equal; %d windows, %d equal", &pairs, &equal1, &windows, &equal2); err != nil || pairs == 0 || pairs != equal1 || windows == 0 || windows != equal2 {
		t.Errorf("stability against SQL over the school effects: %s", bad)
	}
	cohort := trim(sqlValue(t, wh, `SELECT count(*) || ' ' || count(*) FILTER (WHERE
	    split_part(to_window_label, '+', 1)::INT = split_part(window_label, '+', 1)::INT + 3
	    AND ((level = '1-4' AND to_level = '5-7') OR (level = '5-7' AND to_level = '8-10'))) FROM core.sbi_stability WHERE measure = 'same_cohort'`))
	if f := strings.Fields(cohort); len(f) != 2 || f[0] == "0" || f[0] != f[1] {
		t.Errorf("same-cohort rows, and those pairing window F with F+3 at the next level: %s", cohort)
	}

	mustRun(t, "run", "profiles", "--warehouse", wh, "--set", "microdata="+micro, "--set", "out="+filepath.Join(dir, "prof"),
		"--set", "first_window=2017+2018")
	got := trim(sqlValue(t, wh, `
WITH five AS (
    SELECT level, school_orgnr, count(*) AS w, bool_and(effect_z > 0) AS up, bool_and(effect_z < 0) AS down
    FROM `+eff+`
    WHERE level IN ('5-7', '8-10') AND split_part(window_label, '+', 1)::INT BETWEEN 2017 AND 2021
    GROUP BY ALL)
SELECT (SELECT count(*) FROM five WHERE level = '5-7' AND w = 5) || ' ' ||
       (SELECT n_schools FROM core.sbi_profile_count WHERE level = '5-7' AND category = 'complete') || ' ' ||
       (SELECT count(*) FROM core.sbi_profile AS p JOIN five USING (level, school_orgnr)
         WHERE (p.p1 AND NOT five.up) OR (p.p4 AND NOT five.down) OR (p.p2 AND NOT p.p1))`))
	if f := strings.Fields(got); len(f) != 3 || f[0] == "0" || f[0] != f[1] || f[2] != "0" {
		t.Errorf("5-7 schools with all five windows (SQL), complete (profiles), P1/P4/P2 rows breaking the effect rule: %s; want n n 0", got)
	}
}
