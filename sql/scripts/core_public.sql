-- The public sources typed: what the extract steps landed in raw (as the
-- APIs gave it) becomes facts and dimensions in core. Run by the nightly
-- pipeline's `public` load step after the klass, ssb, udir and udir_survey
-- extracts; it
-- reads only raw.* and writes only core.*.
--
-- Municipality figures from every source meet in one long table,
-- core.municipality_figures, in the codes the source published them in;
-- sql/scripts/mart_municipalities.sql carries them to today's codes.

-- core.municipality_versions: every version of the municipality
-- classification (KLASS 131) fetched, with its codes.
CREATE OR REPLACE TABLE core.municipality_versions AS
SELECT
    version_id,
    version_name,
    valid_from,
    valid_to,
    code              AS municipality_code,
    trim(name)        AS name,
    left(code, 2)     AS county_code
FROM raw.klass_codes
WHERE classification = 131;

COMMENT ON TABLE core.municipality_versions IS 'Municipality codes of every version of SSB''s classification 131 fetched (KLASS), with the dates each version was in force. Kilde: Statistisk sentralbyrå.';
COMMENT ON COLUMN core.municipality_versions.version_id IS 'KLASS version id.';
COMMENT ON COLUMN core.municipality_versions.version_name IS 'Version name, e.g. Kommuneinndeling 2024.';
COMMENT ON COLUMN core.municipality_versions.valid_from IS 'First day the version was in force.';
COMMENT ON COLUMN core.municipality_versions.valid_to IS 'First day it was no longer in force; null for the version in force today.';
COMMENT ON COLUMN core.municipality_versions.municipality_code IS 'Municipality code (4 digits; 9999 Uoppgitt).';
COMMENT ON COLUMN core.municipality_versions.name IS 'Municipality name in that version.';
COMMENT ON COLUMN core.municipality_versions.county_code IS 'County code: the first two digits.';

-- core.municipalities: today's municipalities, those of the newest version.
CREATE OR REPLACE TABLE core.municipalities AS
SELECT municipality_code, name, county_code
FROM core.municipality_versions
WHERE version_id = (SELECT version_id FROM core.municipality_versions ORDER BY valid_from DESC LIMIT 1)
ORDER BY municipality_code;

COMMENT ON TABLE core.municipalities IS 'Today''s municipalities: the codes of the newest classification version fetched. Kilde: Statistisk sentralbyrå.';
COMMENT ON COLUMN core.municipalities.municipality_code IS 'Municipality code (4 digits).';
COMMENT ON COLUMN core.municipalities.name IS 'Municipality name.';
COMMENT ON COLUMN core.municipalities.county_code IS 'County code: the first two digits.';

-- core.municipality_crosswalk: from each version's codes to today's.
-- parts_of_target counts the codes of the same version that go into the
-- same code today (2 or more: a merger); targets counts the codes today a
-- code goes to (2 or more: a split, which figures cannot follow).
CREATE OR REPLACE TABLE core.municipality_crosswalk AS
SELECT
    c.from_version_id                                                    AS version_id,
    c.from_code,
    c.to_code,
    c.kind,
    count(*) OVER (PARTITION BY c.from_version_id, c.to_code)            AS parts_of_target,
    count(*) OVER (PARTITION BY c.from_version_id, c.from_code)          AS targets
FROM raw.klass_crosswalk AS c
WHERE c.classification = 131;

COMMENT ON TABLE core.municipality_crosswalk IS 'From the municipality codes of each classification version to today''s codes (KLASS change tables). Kilde: Statistisk sentralbyrå.';
COMMENT ON COLUMN core.municipality_crosswalk.version_id IS 'KLASS version of from_code.';
COMMENT ON COLUMN core.municipality_crosswalk.from_code IS 'Code in that version.';
COMMENT ON COLUMN core.municipality_crosswalk.to_code IS 'Code today.';
COMMENT ON COLUMN core.municipality_crosswalk.kind IS 'same, renumbered, merged or split.';
COMMENT ON COLUMN core.municipality_crosswalk.parts_of_target IS 'How many codes of the version go into to_code (2 or more: a merger).';
COMMENT ON COLUMN core.municipality_crosswalk.targets IS 'How many codes today from_code goes to (2 or more: a split).';

-- core.udir_units: udir's unit dimension with each unit's municipality
-- and county (a school's from its parents), so that rows of every udir
-- report and of the Eksport API join on enhet_id or on codes.
CREATE OR REPLACE TABLE core.udir_units AS
SELECT
    u.enhet_id,
    u.kode,
    u.name,
    u.level,
    u.parent_enhet_id,
    CASE u.level WHEN 'school' THEN p.kode WHEN 'municipality' THEN u.kode END                     AS municipality_code,
    CASE u.level WHEN 'school' THEN g.kode WHEN 'municipality' THEN p.kode WHEN 'county' THEN u.kode END AS county_code,
    CASE WHEN u.level = 'school' THEN u.kode END                                                  AS school_orgnr,
    u.abroad
FROM raw.udir_units AS u
LEFT JOIN raw.udir_units AS p ON p.enhet_id = u.parent_enhet_id
LEFT JOIN raw.udir_units AS g ON g.enhet_id = p.parent_enhet_id
ORDER BY u.enhet_id;

COMMENT ON TABLE core.udir_units IS 'udir''s units (EnhetID): nation, counties, municipalities and schools, with the municipality and county each belongs to. Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN core.udir_units.enhet_id IS 'EnhetID, the same in every udir report and the Eksport API.';
COMMENT ON COLUMN core.udir_units.kode IS 'I (Hele landet), U (Utlandet), county number, municipality number or org.nr.';
COMMENT ON COLUMN core.udir_units.name IS 'Name as udir gives it, trimmed.';
COMMENT ON COLUMN core.udir_units.level IS 'nation, county, municipality or school.';
COMMENT ON COLUMN core.udir_units.parent_enhet_id IS 'EnhetID of the unit above; null for the nation.';
COMMENT ON COLUMN core.udir_units.municipality_code IS 'Municipality of a school or municipality, in udir''s codes.';
COMMENT ON COLUMN core.udir_units.county_code IS 'County of a school, municipality or county, in udir''s codes.';
COMMENT ON COLUMN core.udir_units.school_orgnr IS 'Organisation number of a school (9 digits; U and 8 digits abroad); null for aggregates.';
COMMENT ON COLUMN core.udir_units.abroad IS 'True for Utlandet and what is under it.';

-- core.published_national_tests: the national tests as udir publishes
-- them, one row per unit, school year, grade and subject.
CREATE OR REPLACE TABLE core.published_national_tests AS
SELECT
    school_year,
    unit_level,
    unit_code,
    any_value(unit_name)                                          AS unit_name,
    any_value(enhet_id)                                           AS enhet_id,
    grade,
    subject,
    any_value(value) FILTER (WHERE measure = 'scale_score')       AS scale_score,
    any_value(value) FILTER (WHERE measure = 'uncertainty')       AS uncertainty,
    any_value(value) FILTER (WHERE measure = 'participants')      AS participants,
    any_value(status) FILTER (WHERE measure = 'scale_score')      AS status
FROM raw.udir_national_tests
GROUP BY school_year, unit_level, unit_code, grade, subject
ORDER BY school_year, unit_level, unit_code, grade, subject;

COMMENT ON TABLE core.published_national_tests IS 'Nasjonale prøver as udir publishes them (report API), one row per unit, school year, grade and subject. Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN core.published_national_tests.school_year IS 'Autumn year of the school year (2024 = 2024-25).';
COMMENT ON COLUMN core.published_national_tests.unit_level IS 'county, municipality or school.';
COMMENT ON COLUMN core.published_national_tests.unit_code IS 'County number, municipality number or school org.nr.';
COMMENT ON COLUMN core.published_national_tests.unit_name IS 'Unit name as udir gives it.';
COMMENT ON COLUMN core.published_national_tests.enhet_id IS 'udir EnhetID (the same in every udir report).';
COMMENT ON COLUMN core.published_national_tests.grade IS '5, 8 or 9.';
COMMENT ON COLUMN core.published_national_tests.subject IS 'english, reading or numeracy.';
COMMENT ON COLUMN core.published_national_tests.scale_score IS 'Mean scale score (Skalapoeng); null unless status is ok.';
COMMENT ON COLUMN core.published_national_tests.uncertainty IS 'Margin of the mean (Usikkerhet); null unless published.';
COMMENT ON COLUMN core.published_national_tests.participants IS 'Pupils who took the test; null unless published.';
COMMENT ON COLUMN core.published_national_tests.status IS 'Status of the scale score: ok, suppressed (too few pupils), missing (nobody took it).';

-- raw.udir_transitions (udir's table OvergangerG, found by discovery) is
-- not created when udir lists no such page: then no transitions.
CREATE TABLE IF NOT EXISTS raw.udir_transitions (
    school_year INTEGER, year_id BIGINT, year_name VARCHAR, unit_level VARCHAR, unit_code VARCHAR,
    unit_name VARCHAR, enhet_id BIGINT, report VARCHAR, "columns" VARCHAR, measure VARCHAR,
    value DOUBLE, status VARCHAR, raw VARCHAR
);

-- core.municipality_figures: municipality (and national) figures from
-- every source, long, in the codes the source published them in.
-- period_start is the day whose classification the codes follow: 1
-- January for SSB's calendar-year tables, 1 October of the autumn year for
-- udir's school years (the count date of the school statistics).
CREATE OR REPLACE TABLE core.municipality_figures AS
WITH ssb AS (
    SELECT
        table_id,
        CASE WHEN region IN ('0', 'EAK') THEN '0' ELSE region END AS region_code,
        TRY_CAST(period AS INTEGER) AS year,
        contents_code,
        dimensions,
        value,
        status
    FROM raw.ssb_values
    WHERE region IS NOT NULL
      AND (region IN ('0', 'EAK') OR regexp_full_match(region, '[0-9]{4}'))
      AND regexp_full_match(period, '[0-9]{4}')
),
figures AS (
    -- 07459: population 6-15 (sum over ages and genders).
    SELECT 'ssb:07459' AS source, 'population_6_15' AS measure, '' AS breakdown,
           region_code, year, 'calendar' AS period_kind,
           CASE WHEN bool_and(status = 'ok') THEN sum(value) END AS value,
           CASE WHEN bool_and(status = 'ok') THEN 'ok' ELSE min(status) FILTER (WHERE status <> 'ok') END AS status,
           true AS additive
    FROM ssb
    WHERE table_id = '07459' AND TRY_CAST(dimensions->>'Alder' AS INTEGER) BETWEEN 6 AND 15
    GROUP BY region_code, year
    UNION ALL
    -- 11980: pupils by grade.
    SELECT 'ssb:11980', 'pupils', 'grade=' || TRY_CAST(dimensions->>'Trinn' AS INTEGER),
           region_code, year, 'calendar', value, status, true
    FROM ssb
    WHERE table_id = '11980' AND contents_code = 'Elever'
    UNION ALL
    -- 12255: KOSTRA key figures (ratios and means: not additive).
    SELECT 'ssb:12255',
           CASE contents_code
               WHEN 'KOSgrstr20000' THEN 'group_size_2'
               WHEN 'KOSgrunnskolepoe0000' THEN 'grunnskolepoeng'
               WHEN 'KOSregnind20000' THEN 'net_operating_cost_per_inhabitant_6_15'
               ELSE contents_code END,
           '', region_code, year, 'calendar', value, status, false
    FROM ssb
    WHERE table_id = '12255'
    UNION ALL
    -- 12222: pupils with special education (a count) and their share.
    SELECT 'ssb:12222',
           CASE contents_code WHEN 'KOSelevspesund0000' THEN 'pupils_special_education'
                              WHEN 'KOSandelspesund0000' THEN 'share_special_education' ELSE contents_code END,
           '', region_code, year, 'calendar', value, status, contents_code = 'KOSelevspesund0000'
    FROM ssb
    WHERE table_id = '12222'
    UNION ALL
    -- 09429: population 16 and over by education level.
    SELECT 'ssb:09429', 'population_by_education', 'level=' || (dimensions->>'Nivaa'),
           region_code, year, 'calendar', value, status, true
    FROM ssb
    WHERE table_id = '09429'
    UNION ALL
    -- 12367: net operating expenditure of primary school (function 202),
    -- NOK 1000: a sum, so additive.
    SELECT 'ssb:12367', 'net_operating_expenditure_202', '', region_code, year, 'calendar', value, status, true
    FROM ssb
    WHERE table_id = '12367'
    UNION ALL
    -- udir: grunnskolepoeng, GSI and absence by municipality; counts are
    -- additive, means are not.
    SELECT 'udir:grade_points', CASE measure WHEN 'grade_points' THEN 'grunnskolepoeng' ELSE 'gsp_pupils' END, '',
           unit_code, school_year, 'school_year', value, status, measure = 'pupils'
    FROM raw.udir_grade_points WHERE unit_level = 'municipality'
    UNION ALL
    SELECT 'udir:gsi', measure, '', unit_code, school_year, 'school_year', value, status, true
    FROM raw.udir_gsi WHERE unit_level = 'municipality'
    UNION ALL
    SELECT 'udir:absence', 'absence_' || measure, '', unit_code, school_year, 'school_year', value, status, measure = 'pupils'
    FROM raw.udir_absence WHERE unit_level = 'municipality'
    UNION ALL
    -- udir: Elevundersøkelsen by municipality, all owners and genders:
    -- index scores, bullying and participation shares (not additive).
    SELECT 'udir:survey:' || table_id,
           CASE statistic WHEN 'score' THEN 'survey_score' WHEN 'share_bullied' THEN 'survey_share_bullied' ELSE 'survey_share_participated' END,
           'grade=' || coalesce(grade::VARCHAR, 'all') || CASE WHEN statistic = 'share_participated' THEN '' ELSE ',measure=' || measure_code END,
           unit_code, school_year, 'school_year', value, status, false
    FROM raw.udir_survey
    WHERE unit_level = 'municipality' AND owner = 'all' AND gender = 'all'
      AND statistic IN ('score', 'share_bullied', 'share_participated')
      AND NOT (statistic = 'score' AND measure_code = 'EUIndeks_1398')
    UNION ALL
    -- udir: transitions from grunnskole to upper secondary (OvergangerG,
    -- landed as sent): the share is a mean over the pupils, who are a
    -- count. The labels are the emulator's guess (docs/sources.md): check
    -- them against a live run.
    SELECT 'udir:transitions',
           CASE measure WHEN 'Antall elever' THEN 'transition_pupils' ELSE 'transition_share' END,
           '', unit_code, school_year, 'school_year', value, status, measure = 'Antall elever'
    FROM raw.udir_transitions
    WHERE unit_level = 'municipality' AND school_year IS NOT NULL
      AND measure IN ('Andel direkte til videregående', 'Antall elever')
    UNION ALL
    -- udir: national tests by municipality (the score is a mean, the
    -- participants a count).
    SELECT 'udir:national_tests',
           CASE measure WHEN 'scale_score' THEN 'national_test_scale_score' ELSE 'national_test_participants' END,
           'grade=' || grade || ',subject=' || subject,
           unit_code, school_year, 'school_year', value, status, measure = 'participants'
    FROM raw.udir_national_tests
    WHERE unit_level = 'municipality' AND measure IN ('scale_score', 'participants')
)
SELECT
    source,
    measure,
    breakdown,
    region_code,
    year,
    period_kind,
    CASE period_kind WHEN 'calendar' THEN make_date(year, 1, 1) ELSE make_date(year, 10, 1) END AS period_start,
    value,
    status,
    additive
FROM figures
WHERE year IS NOT NULL;

COMMENT ON TABLE core.municipality_figures IS 'Municipality and national figures from the public sources (SSB tables, udir reports), long, in the municipality codes the source published them in. Kilde: Statistisk sentralbyrå; Utdanningsdirektoratet.';
COMMENT ON COLUMN core.municipality_figures.source IS 'Where the figure comes from: ssb:<table id> or udir:<report>.';
COMMENT ON COLUMN core.municipality_figures.measure IS 'What it measures, e.g. population_6_15, pupils, group_size_2, national_test_scale_score.';
COMMENT ON COLUMN core.municipality_figures.breakdown IS 'The breakdown within the measure, e.g. grade=5 or grade=8,subject=reading; empty for none.';
COMMENT ON COLUMN core.municipality_figures.region_code IS 'Municipality code as published, or 0 for the nation.';
COMMENT ON COLUMN core.municipality_figures.year IS 'Calendar year (SSB) or autumn year of the school year (udir).';
COMMENT ON COLUMN core.municipality_figures.period_kind IS 'calendar or school_year.';
COMMENT ON COLUMN core.municipality_figures.period_start IS 'The day whose municipality classification the codes follow.';
COMMENT ON COLUMN core.municipality_figures.value IS 'The figure; null unless status is ok.';
COMMENT ON COLUMN core.municipality_figures.status IS 'ok, suppressed, missing or not_applicable (for a sum: the first status that is not ok among its parts).';
COMMENT ON COLUMN core.municipality_figures.additive IS 'True for counts, which can be summed when municipalities merge; false for means and ratios.';

-- core.municipality_figures_mapped: each figure with the classification
-- version in force on its period_start (before the oldest version fetched:
-- the oldest) and where its code goes today. to_code is null when that
-- version does not hold the code (e.g. 9999 Uoppgitt, or a source that
-- published in another version's codes); a split code comes once per
-- target.
CREATE OR REPLACE TABLE core.municipality_figures_mapped AS
WITH versions AS (
    SELECT DISTINCT version_id, valid_from, valid_to FROM core.municipality_versions
),
periods AS (
    SELECT DISTINCT period_start FROM core.municipality_figures
),
period_version AS (
    SELECT
        p.period_start,
        coalesce(
            (SELECT v.version_id FROM versions AS v
             WHERE v.valid_from <= p.period_start AND (v.valid_to IS NULL OR p.period_start < v.valid_to)),
            (SELECT v.version_id FROM versions AS v ORDER BY v.valid_from LIMIT 1)) AS version_id
    FROM periods AS p
)
SELECT f.*, pv.version_id, cw.to_code, cw.kind, cw.parts_of_target, cw.targets
FROM core.municipality_figures AS f
JOIN period_version AS pv USING (period_start)
LEFT JOIN core.municipality_crosswalk AS cw ON cw.version_id = pv.version_id AND cw.from_code = f.region_code;

COMMENT ON TABLE core.municipality_figures_mapped IS 'core.municipality_figures with the classification version their codes are read in and the code each goes to today; to_code is null for a code that version does not hold.';
COMMENT ON COLUMN core.municipality_figures_mapped.version_id IS 'KLASS version in force on period_start (the oldest fetched for earlier periods).';
COMMENT ON COLUMN core.municipality_figures_mapped.to_code IS 'Municipality code today; null when the version does not hold region_code (and for the nation).';
COMMENT ON COLUMN core.municipality_figures_mapped.kind IS 'same, renumbered, merged or split.';
COMMENT ON COLUMN core.municipality_figures_mapped.parts_of_target IS 'Codes of the version that go into to_code.';
COMMENT ON COLUMN core.municipality_figures_mapped.targets IS 'Codes today that region_code goes to.';
