package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// independentGSP computes grunnskolepoeng from restricted.grades,
// restricted.pupils and restricted.schools in plain SQL, written apart from
// transforms/gsp (Go), to check it: per pupil, the more-than-half rule and
// round(mean, 2) * 10 with DuckDB's DECIMAL rounding (half away from zero)
// of the mean floored to thousandths in integers (DuckDB divides DECIMALs in
// floating point, which would misround 169/40 = 4.225; flooring to 0.001
// cannot change a rounding to 0.01); then every cell of school,
// municipality, county and nation by subgroup.
const independentGSP = `
WITH g AS (
    SELECT pupil_id, school_year, school_orgnr, subject_code, TRY_CAST(grade AS INTEGER) AS num
    FROM restricted.grades
), subjects AS (
    SELECT pupil_id, school_year, count(*) AS n_subjects, count(*) FILTER (WHERE has_num) AS n_numeric
    FROM (SELECT pupil_id, school_year, subject_code, bool_or(num IS NOT NULL) AS has_num FROM g GROUP BY ALL)
    GROUP BY ALL
), sums AS (
    SELECT pupil_id, school_year, sum(num) AS s, count(num) AS c FROM g GROUP BY ALL
), school_of AS (
    SELECT pupil_id, school_year, school_orgnr
    FROM (SELECT pupil_id, school_year, school_orgnr, count(*) AS k FROM g GROUP BY ALL)
    QUALIFY row_number() OVER (PARTITION BY pupil_id, school_year ORDER BY k DESC, school_orgnr) = 1
), pupil AS (
    SELECT x.school_year, x.school_orgnr, sc.municipality_code, left(sc.municipality_code, 2) AS county_code,
           CASE WHEN sc.public THEN 'public' ELSE 'private' END AS owner, p.gender,
           (round(((1000 * su.s) // su.c)::DECIMAL(18, 0) * 0.001::DECIMAL(4, 3), 2) * 10)::DOUBLE AS gsp
    FROM school_of x
    JOIN subjects USING (pupil_id, school_year)
    JOIN sums AS su USING (pupil_id, school_year)
    JOIN restricted.pupils AS p USING (pupil_id)
    JOIN restricted.schools AS sc USING (school_orgnr)
    WHERE 2 * n_numeric > n_subjects
), units AS (
    SELECT school_year, 'school' AS unit_type, school_orgnr AS unit_code, gender, owner, gsp FROM pupil
    UNION ALL SELECT school_year, 'municipality', municipality_code, gender, owner, gsp FROM pupil
    UNION ALL SELECT school_year, 'county', county_code, gender, owner, gsp FROM pupil
    UNION ALL SELECT school_year, 'nation', '0', gender, owner, gsp FROM pupil
), cells AS (
    SELECT school_year, unit_type, unit_code, 'all' AS subgroup_type, 'all' AS subgroup, count(*) AS n, avg(gsp) AS mean, stddev_samp(gsp) AS sd FROM units GROUP BY ALL
    UNION ALL
    SELECT school_year, unit_type, unit_code, 'gender', gender, count(*), avg(gsp), stddev_samp(gsp) FROM units GROUP BY ALL
    UNION ALL
    SELECT school_year, unit_type, unit_code, 'owner', owner, count(*), avg(gsp), stddev_samp(gsp) FROM units WHERE unit_type <> 'school' GROUP BY ALL
)`

func TestGSPEqualsAnIndependentSQLComputation(t *testing.T) {
	micro := nation(t, "parquet")
	dir := t.TempDir()
	wh := filepath.Join(dir, "w.duckdb")
	mustRun(t, nightly(wh, micro, filepath.Join(dir, "export"))...)

	q := independentGSP + `
SELECT
    count(*) FILTER (WHERE m.unit_code IS NULL) AS missing_in_mart,
    count(*) FILTER (WHERE c.unit_code IS NULL) AS extra_in_mart,
    count(*) FILTER (WHERE m.status = 'ok' AND (m.n <> c.n OR abs(m.gsp - c.mean) > 1e-9
                     OR (c.n > 1 AND abs(m.gsp_sd - c.sd) > 1e-9))) AS differ,
    count(*) FILTER (WHERE c.n < 10 AND m.status <> 'suppressed') AS small_published,
    count(*) FILTER (WHERE m.status = 'suppressed' AND (m.n IS NOT NULL OR m.gsp IS NOT NULL OR m.gsp_sd IS NOT NULL)) AS suppressed_with_numbers,
    count(*) FILTER (WHERE m.status = 'ok') AS compared,
    count(*) FILTER (WHERE m.status = 'suppressed') AS suppressed
FROM cells AS c
FULL JOIN mart.gsp AS m USING (school_year, unit_type, unit_code, subgroup_type, subgroup)`
	r := mustRun(t, "sql", "--warehouse", wh, "--restricted", "--format", "csv", "-c", q)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("unexpected output:\n%s", r.stdout)
	}
	header, values := strings.Split(lines[0], ","), strings.Split(lines[1], ",")
	got := map[string]string{}
	for i, h := range header {
		got[h] = values[i]
	}
	for _, k := range []string{"missing_in_mart", "extra_in_mart", "differ", "small_published", "suppressed_with_numbers"} {
		if got[k] != "0" {
			t.Errorf("%s = %s, want 0", k, got[k])
		}
	}
	if got["compared"] == "0" || got["suppressed"] == "0" {
		t.Errorf("the comparison covered %s published and %s suppressed cells; both must be > 0", got["compared"], got["suppressed"])
	}
	t.Logf("Go transform and plain SQL agree on %s published cells; %s cells suppressed", got["compared"], got["suppressed"])
}
