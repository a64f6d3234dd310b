package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestComputeSBIAggregatesAndCaveat runs skolestat compute sbi on a
// simulated nation and checks, with SQL over the exported files and the
// landed schools (a path apart from the transform's Go code): the fixed
// effects are centred (pupil-weighted sum 0 over all schools); every
// municipality and county row is the pupil-weighted mean of its PUBLIC
// schools with their pupil count; classification follows the interval;
// and the caveat is in the Parquet metadata.
func TestComputeSBIAggregatesAndCaveat(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a nation and runs a pipeline")
	}
	dir := t.TempDir()
	micro := filepath.Join(dir, "microdata")
	mustRun(t, "sim", "generate", "--out", micro, "--seed", "5", "--scale", "0.02", "--format", "parquet")
	out := filepath.Join(dir, "out")
	// --min-pupils 1: nothing suppressed, so every school's numbers are there to add up.
	mustRun(t, "compute", "sbi", "--microdata", micro, "--out", out, "--windows", "2018+2019", "--min-pupils", "1")
	wh := filepath.Join(dir, "w.duckdb")
	mustRun(t, "run", "microdata", "--warehouse", wh, "--set", "microdata="+micro) // the schools, to join
	schools := "'" + filepath.Join(out, "sbi_school", "*.parquet") + "'"
	aggs := "'" + filepath.Join(out, "sbi_aggregate", "*.parquet") + "'"

	centred := sqlValue(t, wh, fmt.Sprintf(`SELECT count(*) || ' levels, ' || count(*) FILTER (WHERE abs(s) < 1e-9 * n) || ' centred' FROM (
		SELECT level, sum(n_pupils) AS n, sum(n_pupils * effect_z) AS s FROM read_parquet(%s) GROUP BY level)`, schools))
	if centred = strings.Trim(centred, `"`); centred != "3 levels, 3 centred" {
		t.Errorf("pupil-weighted sums of the school effects over all schools: %s; want 3 levels, 3 centred", centred)
	}

	bad := sqlValue(t, wh, fmt.Sprintf(`
WITH s AS (
    SELECT e.level, e.n_pupils, e.effect_z, sc.municipality_code AS muni
    FROM read_parquet(%s) AS e JOIN restricted.schools AS sc USING (school_orgnr)
    WHERE sc.public),
want AS (
    SELECT level, 'municipality' AS unit_type, muni AS unit_code, sum(n_pupils) AS n, sum(n_pupils * effect_z) / sum(n_pupils) AS e FROM s GROUP BY ALL
    UNION ALL
    SELECT level, 'county', left(muni, 2), sum(n_pupils), sum(n_pupils * effect_z) / sum(n_pupils) FROM s GROUP BY ALL
    UNION ALL
    SELECT level, 'nation', '0', sum(n_pupils), sum(n_pupils * effect_z) / sum(n_pupils) FROM s GROUP BY ALL)
SELECT count(*) || ' rows, ' || count(*) FILTER (WHERE w.n IS DISTINCT FROM a.n_pupils OR abs(w.e - a.effect_z) > 1e-9 OR a.effect_z IS NULL) || ' differ'
FROM want AS w FULL JOIN read_parquet(%s) AS a USING (level, unit_type, unit_code)`, schools, aggs))
	if bad = strings.Trim(bad, `"`); !strings.HasSuffix(bad, " 0 differ") || strings.HasPrefix(bad, "0 rows") {
		t.Errorf("municipality, county and nation rows against the pupil-weighted mean of their public schools: %s", bad)
	}

	if wrong := sqlValue(t, wh, fmt.Sprintf(`SELECT count(*) FROM (SELECT * FROM read_parquet(%s) UNION ALL BY NAME SELECT * FROM read_parquet(%s))
		WHERE classification <> CASE WHEN lower > 0 THEN 'above' WHEN upper < 0 THEN 'below' ELSE 'not_different' END
		   OR abs(upper - lower - 2 * 1.959963984540054 * se) > 1e-9`, schools, aggs)); wrong != "0" {
		t.Errorf("%s rows whose classification or interval does not follow from effect and se", wrong)
	}

	caveat := sqlValue(t, wh, fmt.Sprintf(`SELECT count(*) FROM parquet_kv_metadata(%s)
		WHERE decode(key) = 'skolestat:description' AND contains(decode(value), 'not a measure of a school''s quality')
		  AND contains(decode(value), 'must never be compared')`, schools))
	if caveat != "1" {
		t.Errorf("the caveat is in %s files' Parquet metadata of sbi_school, want 1", caveat)
	}
}
