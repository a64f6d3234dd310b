-- Table macros for analysts (issue 6), over mart.indicator_preferred and
-- mart.peer_group. They are stored in the warehouse, so every reader can
-- call them: SELECT * FROM mart.asss_compare('grunnskolepoeng', 2023).
-- docs/analyst-guide.md shows them with examples. They read the mart
-- schema only: skolestat serve copies mart, and nothing else, into what it
-- serves, and recreates these macros there.

-- asss_compare(indicator, year): each ASSS member of that year (the peer
-- group 'asss' of mart.peer_group: ten until 2021, twelve from 2022), per
-- level of the indicator: its value and status, the ASSS average (the
-- unweighted mean of the members' values, as KS's tables show it), the
-- nation's value where the warehouse has one, the member's rank among the
-- members with a value (1 = best: highest, or lowest when lower is
-- better), its distance from the ASSS average, and the index value /
-- ASSS average (1.0 = the average, KS's service profile). A member whose
-- value is suppressed or missing is listed with its status and no numbers;
-- it is not in the average or the ranking.
CREATE OR REPLACE MACRO mart.asss_compare(ind, yr) AS TABLE
WITH members AS (
    SELECT municipality_code, any_value(municipality_name) AS municipality_name
    FROM mart.peer_group
    WHERE group_code = 'asss' AND coalesce(from_year, yr) <= yr AND coalesce(to_year, yr) >= yr
    GROUP BY municipality_code
),
rows AS (
    SELECT * FROM mart.indicator_preferred
    WHERE indicator = ind AND year = yr AND subgroup = 'all'
),
levels AS (
    SELECT DISTINCT r.level FROM rows AS r JOIN members AS m ON r.unit_type = 'municipality' AND r.unit_code = m.municipality_code
),
better AS (
    SELECT coalesce(bool_or(higher_is_better), true) AS higher FROM mart.indicator_definition WHERE indicator = ind
),
cells AS (
    SELECT l.level, m.municipality_code, coalesce(r.unit_name, m.municipality_name) AS unit_name, r.value, coalesce(r.status, 'missing') AS status, r.source,
           CASE WHEN b.higher THEN -r.value ELSE r.value END AS badness
    FROM levels AS l CROSS JOIN members AS m CROSS JOIN better AS b
    LEFT JOIN rows AS r ON r.unit_type = 'municipality' AND r.unit_code = m.municipality_code AND r.level = l.level
),
avg AS (
    SELECT level, avg(value) AS asss_average, count(value) AS members_with_value
    FROM cells WHERE value IS NOT NULL GROUP BY level
)
SELECT
    c.level,
    c.municipality_code,
    c.unit_name AS municipality_name,
    c.value,
    c.status,
    a.asss_average,
    (SELECT n.value FROM rows AS n WHERE n.unit_type = 'nation' AND n.level = c.level) AS nation,
    CASE WHEN c.value IS NOT NULL THEN
        rank() OVER (PARTITION BY c.level, c.value IS NULL ORDER BY c.badness)
    END AS rank,
    a.members_with_value,
    c.value - a.asss_average AS distance,
    c.value / a.asss_average AS index,
    c.source
FROM cells AS c
LEFT JOIN avg AS a USING (level)
ORDER BY c.level, c.value IS NULL, rank, c.municipality_code;

-- trend(unit, indicator, from_year, to_year): the unit's series (a school's
-- organisation number, a municipality or county code, or '0' for the
-- nation), all subgroups, per level, with the change from the year before
-- (null when either year has no value) and, for a municipality, the ASSS
-- average of each year beside it.
CREATE OR REPLACE MACRO mart.trend(unit, ind, from_year, to_year) AS TABLE
SELECT
    i.unit_type,
    i.unit_code,
    i.unit_name,
    i.level,
    i.subgroup,
    i.year,
    i.value,
    i.status,
    CASE WHEN lag(i.year) OVER w = i.year - 1 THEN i.value - lag(i.value) OVER w END AS change,
    CASE WHEN i.unit_type = 'municipality' AND i.subgroup = 'all' THEN (
        SELECT avg(a.value) FROM mart.indicator_preferred AS a
        JOIN mart.peer_group AS g
          ON g.group_code = 'asss' AND g.municipality_code = a.unit_code
         AND coalesce(g.from_year, i.year) <= i.year AND coalesce(g.to_year, i.year) >= i.year
        WHERE a.unit_type = 'municipality' AND a.indicator = ind AND a.year = i.year AND a.level = i.level AND a.subgroup = 'all')
    END AS asss_average,
    i.source
FROM mart.indicator_preferred AS i
WHERE i.unit_code = unit AND i.indicator = ind AND i.year BETWEEN from_year AND to_year
WINDOW w AS (PARTITION BY i.unit_type, i.level, i.subgroup ORDER BY i.year)
ORDER BY i.unit_type, i.level, i.subgroup, i.year;

-- schools_of(municipality, year): every indicator of each school of the
-- municipality (mart.school, the schools of NSR) in that school year, long, with the school
-- contribution's interval and classification beside its value (a window's
-- year is the school year in which its later cohort finished: 2021+2022 is
-- 2021). Read the school contribution with its caveat (mart.sbi_school).
CREATE OR REPLACE MACRO mart.schools_of(municipality, yr) AS TABLE
WITH i AS (
    -- mart.indicator_preferred's choice, made over this municipality's
    -- school rows only (the view's window over every row took 100 ms at
    -- Norway's size).
    SELECT s.school_orgnr, s.name AS school_name, s.owner = 'public' AS public, r.indicator, r.level, r.subgroup, r.value, r.n, r.status, r.source
    FROM mart.school AS s
    JOIN mart.indicator AS r ON r.unit_type = 'school' AND r.unit_code = s.school_orgnr AND r.year = yr
    WHERE s.municipality_code = municipality
    QUALIFY row_number() OVER (PARTITION BY r.unit_code, r.indicator, r.level, r.subgroup ORDER BY r.computed, r.source) = 1
)
SELECT
    i.school_orgnr,
    i.school_name,
    i.public,
    i.indicator,
    i.level,
    i.subgroup,
    i.value,
    i.n,
    i.status,
    b.lower,
    b.upper,
    b.classification,
    i.source
FROM i
-- Equality keys only (a constant in a LEFT JOIN's condition makes DuckDB
-- loop over every pair): an SBI level (1-4, 5-7, 8-10) is no other
-- indicator's level, so only school contribution rows find a match.
LEFT JOIN (SELECT school_orgnr, level, lower, upper, classification FROM mart.sbi_school
           WHERE model = 'fixed' AND split_part(window_label, '+', 1)::INTEGER = yr) AS b
  ON b.school_orgnr = i.school_orgnr AND b.level = i.level
ORDER BY i.school_orgnr, i.indicator, i.level, i.subgroup;

-- cost_vs_results(year): per municipality, KOSTRA's net operating
-- expenditure on primary school (function 202, calendar year `year`) per
-- pupil, the pupils weighted as KS does (7/12 of those of the school year
-- that ends in the spring, 5/12 of the one that starts in the autumn; GSI
-- counts of 1 October), beside the results of the school year that ends in
-- that spring: grunnskolepoeng, grade-5 national tests (the autumn's), and
-- the school contribution of the window whose later cohort finished then.
-- asss_member says whether the municipality was in ASSS in the school year
-- that starts in the autumn of `year` (ASSS's report on KOSTRA year 2022,
-- published in 2023, has the twelve).
CREATE OR REPLACE MACRO mart.cost_vs_results(yr) AS TABLE
WITH v AS (
    SELECT unit_code, indicator, level, year, value
    FROM mart.indicator_preferred
    WHERE unit_type = 'municipality' AND subgroup = 'all' AND year IN (yr - 1, yr)
),
pupils AS (
    SELECT unit_code,
           7.0 / 12 * max(value) FILTER (WHERE year = yr - 1) + 5.0 / 12 * max(value) FILTER (WHERE year = yr) AS weighted
    FROM v WHERE indicator = 'pupils' GROUP BY unit_code
)
SELECT
    m.municipality_code,
    m.name AS municipality_name,
    (SELECT value FROM v WHERE v.unit_code = m.municipality_code AND indicator = 'net_expenditure_202' AND year = yr) * 1000 / p.weighted AS cost_per_pupil,
    p.weighted AS pupils_weighted,
    (SELECT value FROM v WHERE v.unit_code = m.municipality_code AND indicator = 'grunnskolepoeng' AND year = yr - 1) AS grunnskolepoeng,
    (SELECT value FROM v WHERE v.unit_code = m.municipality_code AND indicator = 'national_test_reading' AND level = '5' AND year = yr) AS national_test_reading_5,
    (SELECT value FROM v WHERE v.unit_code = m.municipality_code AND indicator = 'national_test_numeracy' AND level = '5' AND year = yr) AS national_test_numeracy_5,
    (SELECT value FROM v WHERE v.unit_code = m.municipality_code AND indicator = 'school_contribution' AND level = '5-7' AND year = yr - 1) AS school_contribution_5_7,
    (SELECT value FROM v WHERE v.unit_code = m.municipality_code AND indicator = 'school_contribution' AND level = '8-10' AND year = yr - 1) AS school_contribution_8_10,
    EXISTS (SELECT 1 FROM mart.peer_group AS g WHERE g.group_code = 'asss' AND g.municipality_code = m.municipality_code
            AND coalesce(g.from_year, yr) <= yr AND coalesce(g.to_year, yr) >= yr) AS asss_member
FROM (SELECT municipality_code, name FROM mart.municipality WHERE current) AS m
LEFT JOIN pupils AS p ON p.unit_code = m.municipality_code
ORDER BY m.municipality_code;
