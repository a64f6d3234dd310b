-- Input "facts" of the profiles transform (transforms/profile), long: for
-- each school and the nation, level 5-7 or 8-10 and school year (the
-- autumn year in which a window's later cohort finished: window 2018+2019
-- is school year 2018), what the profile rules compare besides the
-- effects (shared/spec/indicators.md §4):
--   result            the school's mean outcome z in that window
--                     (core.sbi_school.outcome_z), the nation's the mean
--                     over the whole sample (core.sbi_run.outcome_mean)
--   EUIndeks_...      survey indices of the school (and the nation) in that
--                     school year, at the level's survey grade (7 for 5-7,
--                     10 for 8-10), all genders; EUIndeks_1398 is the
--                     bullying share
--   higher_education  the share (0-1) of the level's cohort pupils of that
--                     window (enrolled in grade 7 or 10 in either of its
--                     two school years) with a parent with higher education
-- Only published figures are used: suppressed survey cells and SBI rows
-- have no value and are left out.
WITH levels(level, grade) AS (VALUES ('5-7', 7), ('8-10', 10))
SELECT 'school' AS unit, s.school_orgnr, s.level,
       split_part(s.window_label, '+', 1)::INTEGER AS school_year,
       'result' AS measure, s.outcome_z AS value
FROM core.sbi_school AS s
WHERE s.model = 'fixed' AND s.status = 'ok' AND s.level IN ('5-7', '8-10')
UNION ALL
SELECT 'nation', NULL, r.level, split_part(r.window_label, '+', 1)::INTEGER, 'result', r.outcome_mean
FROM core.sbi_run AS r
WHERE r.model = 'fixed' AND r.outcome_mean IS NOT NULL AND r.level IN ('5-7', '8-10')
UNION ALL
SELECT CASE i.unit_type WHEN 'school' THEN 'school' ELSE 'nation' END,
       CASE i.unit_type WHEN 'school' THEN i.unit_code END,
       l.level, i.school_year, i.index_code, i.mean
FROM core.survey_indices AS i
JOIN levels AS l ON i.grade = l.grade::VARCHAR
WHERE i.unit_type IN ('school', 'nation') AND i.gender = 'all' AND i.status = 'ok'
UNION ALL
SELECT unit, school_orgnr, level, school_year, 'higher_education',
       avg(CASE WHEN parent_education IN ('higher_short', 'higher_long') THEN 1.0 ELSE 0.0 END)
FROM (
    -- The window whose later cohort finished in school year y holds the
    -- pupils enrolled in the attribution grade in school years y-1 and y.
    SELECT u.unit, CASE u.unit WHEN 'school' THEN e.school_orgnr END AS school_orgnr,
           l.level, y.school_year, p.parent_education
    FROM (SELECT DISTINCT school_year FROM restricted.enrolments) AS y
    JOIN restricted.enrolments AS e ON e.school_year IN (y.school_year - 1, y.school_year)
    JOIN levels AS l ON e.grade = l.grade
    JOIN restricted.pupils AS p USING (pupil_id)
    CROSS JOIN (VALUES ('school'), ('nation')) AS u(unit)
)
GROUP BY ALL
