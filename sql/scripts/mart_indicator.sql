-- mart.indicator_definition and mart.indicator: one long fact view over
-- what the warehouse publishes or computes (issue 6), so that an analyst
-- asks every indicator the same way: unit, year, indicator, level,
-- subgroup, value, n, status, source.
--
-- Published municipality figures (mart.municipality_figures, in today's
-- municipality codes) enter through mart.indicator_definition, which maps
-- a source's measure and breakdown to an indicator code and level; a
-- measure without a definition is not in the view (it stays in
-- mart.municipality_figures). Computed indicators (grunnskolepoeng, survey
-- indices, school contribution) enter for every unit type. The same
-- indicator can come from two sources (udir publishes grunnskolepoeng and
-- skolestat computes it from the microdata): `source` tells them apart and
-- `computed` is true for skolestat's own; mart.indicator_preferred keeps
-- one row per unit, year, indicator, level and subgroup, the published one
-- when there is one.

CREATE OR REPLACE TABLE mart.indicator_definition AS
WITH survey_index(code, name_nb, name_en) AS (VALUES
    ('EUIndeks_1378', 'Faglig utfordring', 'Academic challenge'),
    ('EUIndeks_1379', 'Trivsel', 'Well-being'),
    ('EUIndeks_1380', 'Støtte fra lærer', 'Support from teachers'),
    ('EUIndeks_1381', 'Støtte hjemmefra', 'Support from home'),
    ('EUIndeks_1382', 'Vurdering for læring', 'Assessment for learning'),
    ('EUIndeks_1383', 'Læringskultur', 'Learning culture'),
    ('EUIndeks_1384', 'Mestring', 'Mastery'),
    ('EUIndeks_1385', 'Motivasjon', 'Motivation'),
    ('EUIndeks_1386', 'Elevdemokrati og medvirkning', 'Pupil democracy and participation'),
    ('EUIndeks_1387', 'Felles regler', 'Common rules')),
test(grade, subject, subject_nb) AS (VALUES
    (5, 'english', 'engelsk'), (5, 'numeracy', 'regning'), (5, 'reading', 'lesing'),
    (8, 'english', 'engelsk'), (8, 'numeracy', 'regning'), (8, 'reading', 'lesing'),
    (9, 'numeracy', 'regning'), (9, 'reading', 'lesing'))
SELECT * FROM (VALUES
    ('grunnskolepoeng', 'all', 'Grunnskolepoeng', 'Grade points (grunnskolepoeng)', 'results', 'points', true, 'udir:grade_points', 'grunnskolepoeng', ''),
    ('net_cost_per_inhabitant_6_15', 'all', 'Netto driftsutgifter grunnskole per innbygger 6-15 år', 'Net operating cost of primary school per inhabitant aged 6-15', 'resources', 'NOK', NULL, 'ssb:12255', 'net_operating_cost_per_inhabitant_6_15', ''),
    ('net_expenditure_202', 'all', 'Netto driftsutgifter grunnskole (funksjon 202)', 'Net operating expenditure, primary school (KOSTRA function 202)', 'resources', '1000 NOK', NULL, 'ssb:12367', 'net_operating_expenditure_202', ''),
    ('group_size_2', 'all', 'Gruppestørrelse 2', 'Group size 2 (pupils per teacher)', 'resources', 'pupils', NULL, 'ssb:12255', 'group_size_2', ''),
    ('share_special_education', 'all', 'Andel elever med spesialundervisning', 'Share of pupils with special education', 'resources', 'per cent', NULL, 'ssb:12222', 'share_special_education', ''),
    ('pupils', 'all', 'Elever', 'Pupils', 'resources', 'pupils', NULL, 'udir:gsi', 'pupils', ''),
    ('absence_days', 'all', 'Fravær, gjennomsnitt dager', 'Absence, mean days', 'learning_environment', 'days', false, 'udir:absence', 'absence_mean_days', ''),
    ('transition_upper_secondary', 'all', 'Direkte overgang til videregående opplæring', 'Direct transition to upper secondary school', 'completion', 'per cent', true, 'udir:transitions', 'transition_share', '')
) AS v(indicator, level, name_nb, name_en, domain, unit, higher_is_better, source, measure, breakdown)
UNION ALL
SELECT 'national_test_' || subject, grade::VARCHAR, 'Nasjonal prøve ' || grade || '. trinn ' || subject_nb || ', skalapoeng',
       'National test grade ' || grade || ' ' || subject || ', scale points', 'results', 'scale points', true,
       'udir:national_tests', 'national_test_scale_score', 'grade=' || grade || ',subject=' || subject
FROM test
UNION ALL
SELECT code, g.grade, name_nb, name_en, 'learning_environment', 'index 1-5', true,
       'udir:survey:148', 'survey_score', 'grade=' || g.grade || ',measure=' || code
FROM survey_index CROSS JOIN (VALUES ('7'), ('10')) AS g(grade)
UNION ALL
SELECT 'EUIndeks_1398', g.grade, 'Mobbing på skolen (%)', 'Bullying at school (%)', 'learning_environment', 'per cent', false,
       'udir:survey:150', 'survey_share_bullied', 'grade=' || g.grade
FROM (VALUES ('7'), ('10')) AS g(grade);

COMMENT ON TABLE mart.indicator_definition IS 'What each indicator code of mart.indicator means, and which published measure (source, measure, breakdown of mart.municipality_figures) it is read from. Computed indicators (grunnskolepoeng_computed is not a code: computed rows carry the same code as the published one and computed = true) are listed with source transform:<name>.';
COMMENT ON COLUMN mart.indicator_definition.indicator IS 'Indicator code, as in mart.indicator.';
COMMENT ON COLUMN mart.indicator_definition.level IS 'The grade (5, 7, 8, 9, 10), the SBI level (1-4, 5-7, 8-10), or all.';
COMMENT ON COLUMN mart.indicator_definition.name_nb IS 'Name in Norwegian (bokmål).';
COMMENT ON COLUMN mart.indicator_definition.name_en IS 'Name in English.';
COMMENT ON COLUMN mart.indicator_definition.domain IS 'results, completion, learning_environment or resources.';
COMMENT ON COLUMN mart.indicator_definition.unit IS 'Unit of the value.';
COMMENT ON COLUMN mart.indicator_definition.higher_is_better IS 'true when a higher value is better, false when lower is, null when neither (resources).';
COMMENT ON COLUMN mart.indicator_definition.source IS 'The source of mart.municipality_figures read, or transform:<name> for a computed indicator.';
COMMENT ON COLUMN mart.indicator_definition.measure IS 'The measure read (published sources).';
COMMENT ON COLUMN mart.indicator_definition.breakdown IS 'The breakdown read (published sources); empty for none.';

INSERT INTO mart.indicator_definition VALUES
    ('grunnskolepoeng', 'all', 'Grunnskolepoeng', 'Grade points (grunnskolepoeng)', 'results', 'points', true, 'transform:gsp', NULL, NULL),
    ('school_contribution', '1-4', 'Skolebidrag 1.-4. trinn', 'School contribution, grades 1-4', 'results', 'scale points', true, 'transform:sbi', NULL, NULL),
    ('school_contribution', '5-7', 'Skolebidrag 5.-7. trinn', 'School contribution, grades 5-7', 'results', 'scale points', true, 'transform:sbi', NULL, NULL),
    ('school_contribution', '8-10', 'Skolebidrag 8.-10. trinn', 'School contribution, grades 8-10', 'results', 'grade points', true, 'transform:sbi', NULL, NULL);
INSERT INTO mart.indicator_definition
SELECT DISTINCT indicator, level, name_nb, name_en, domain, unit, higher_is_better, 'transform:survey', NULL, NULL
FROM mart.indicator_definition WHERE source LIKE 'udir:survey:%';

CREATE OR REPLACE VIEW mart.indicator AS
SELECT *, (SELECT max(run_id) FROM meta.runs WHERE status = 'published') AS run_id FROM (
SELECT CASE f.municipality_code WHEN '0' THEN 'nation' ELSE 'municipality' END AS unit_type,
       f.municipality_code AS unit_code, f.municipality_name AS unit_name,
       f.year, f.period_kind, d.indicator, d.level, 'all' AS subgroup,
       f.value, NULL::BIGINT AS n, f.status, f.source, false AS computed
FROM mart.municipality_figures AS f
JOIN mart.indicator_definition AS d
  ON d.source = f.source AND d.measure = f.measure AND d.breakdown = coalesce(f.breakdown, '')
UNION ALL
SELECT unit_type, unit_code, unit_name, school_year, 'school_year', 'grunnskolepoeng', 'all',
       CASE subgroup_type WHEN 'all' THEN 'all' ELSE subgroup END,
       gsp, n, status, 'transform:gsp', true
FROM mart.gsp
UNION ALL
SELECT unit_type, unit_code, unit_name, school_year, 'school_year', index_code, grade, gender,
       mean, n, status, 'transform:survey', true
FROM mart.survey_indices
WHERE grade <> 'all'
UNION ALL
SELECT 'school', school_orgnr, school_name, split_part(window_label, '+', 1)::INTEGER, 'window', 'school_contribution', level, 'all',
       effect, n_pupils, status, 'transform:sbi', true
FROM mart.sbi_school WHERE model = 'fixed'
UNION ALL
SELECT unit_type, unit_code, NULL, split_part(window_label, '+', 1)::INTEGER, 'window', 'school_contribution', level, 'all',
       effect, n_pupils, status, 'transform:sbi', true
FROM mart.sbi_aggregate WHERE model = 'fixed'
);

COMMENT ON VIEW mart.indicator IS 'Every indicator published or computed, long: one row per unit, year, indicator, level and subgroup (and source), with run_id, the run that published the warehouse state it is read from (a source the run found unchanged keeps what an earlier run landed). Suppressed values have status suppressed and no value, never 0. School contribution rows carry the caveat of mart.sbi_school: not a measure of quality; never compare levels.';

-- One row per unit, year, indicator, level and subgroup: the published
-- value when a source publishes it, else skolestat's computed one.
CREATE OR REPLACE VIEW mart.indicator_preferred AS
SELECT * FROM mart.indicator
QUALIFY row_number() OVER (PARTITION BY unit_type, unit_code, year, indicator, level, subgroup ORDER BY computed, source) = 1;

COMMENT ON VIEW mart.indicator_preferred IS 'mart.indicator with one row per unit, year, indicator, level and subgroup: the published value where a source publishes it, else the computed one.';

-- Wide convenience tables per domain: one row per municipality and year
-- (the year as mart.indicator has it: a school year's autumn year, a
-- KOSTRA calendar year, a window's year - see period_kind there),
-- one column per indicator and level (indicator_level, e.g.
-- national_test_reading_5), the preferred value; suppressed or missing
-- values are NULL here (their status is in mart.indicator). Built from the
-- definitions at build time, so a new indicator appears as a new column.
--
-- The preferred municipality values of the three domains, read once
-- (mart.indicator_preferred ranks every row of mart.indicator) into a
-- temporary table, which is not stored in the warehouse.
CREATE OR REPLACE TEMP TABLE wide_values AS
SELECT d.domain, i.unit_code AS municipality_code, m.name AS municipality_name, i.year,
       i.indicator || CASE WHEN i.level = 'all' THEN '' ELSE '_' || replace(i.level, '-', '_') END AS col, i.value
FROM mart.indicator_preferred AS i
JOIN (SELECT DISTINCT indicator, domain FROM mart.indicator_definition) AS d USING (indicator)
LEFT JOIN core.municipalities AS m ON m.municipality_code = i.unit_code
WHERE d.domain IN ('results', 'learning_environment', 'resources') AND i.unit_type = 'municipality' AND i.subgroup = 'all';

CREATE OR REPLACE TABLE mart.results_wide AS
PIVOT (SELECT * EXCLUDE (domain) FROM wide_values WHERE domain = 'results')
ON col USING first(value) GROUP BY municipality_code, municipality_name, year
ORDER BY municipality_code, year;
COMMENT ON TABLE mart.results_wide IS 'Results by municipality and year, one column per indicator and level (from mart.indicator_preferred): grunnskolepoeng, national tests, school contribution. NULL where the value is suppressed or missing (see mart.indicator for the status). The school contribution is not a measure of quality; never compare its levels.';

CREATE OR REPLACE TABLE mart.learning_environment_wide AS
PIVOT (SELECT * EXCLUDE (domain) FROM wide_values WHERE domain = 'learning_environment')
ON col USING first(value) GROUP BY municipality_code, municipality_name, year
ORDER BY municipality_code, year;
COMMENT ON TABLE mart.learning_environment_wide IS 'Learning environment by municipality and year, one column per indicator and grade (Elevundersøkelsen indices EUIndeks_..., the bullying share EUIndeks_1398, absence). NULL where suppressed or missing (see mart.indicator).';

CREATE OR REPLACE TABLE mart.resources_wide AS
PIVOT (SELECT * EXCLUDE (domain) FROM wide_values WHERE domain = 'resources')
ON col USING first(value) GROUP BY municipality_code, municipality_name, year
ORDER BY municipality_code, year;
COMMENT ON TABLE mart.resources_wide IS 'Resources by municipality and year (KOSTRA: calendar years; GSI: school years), one column per indicator. NULL where suppressed or missing (see mart.indicator).';

DROP TABLE wide_values;
