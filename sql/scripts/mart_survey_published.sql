-- mart.survey_vs_published: the survey indices skolestat computed from
-- item-level answers (core.survey_indices) beside those udir publishes in
-- the Eksport API (raw.udir_survey, table kind indicator: index scores and
-- the bullying share), for the same school year, unit, grade and gender,
-- with the difference, so that an analyst sees at once where the two
-- disagree. A row that only one side has is kept (the other side null):
-- a unit udir suppressed, or one the microdata do not cover. Run by a load
-- step after the survey transform and the udir_survey extract.
CREATE OR REPLACE TABLE mart.survey_vs_published AS
WITH published AS (
    SELECT
        school_year,
        unit_level                                                    AS unit_type,
        CASE unit_level WHEN 'nation' THEN '0' ELSE unit_code END      AS unit_code,
        coalesce(grade::VARCHAR, 'all')                               AS grade,
        gender,
        measure_code                                                  AS index_code,
        value,
        status
    FROM raw.udir_survey
    WHERE table_kind = 'indicator' AND owner = 'all'
      AND ((statistic = 'score' AND measure_code <> 'EUIndeks_1398')
        OR (statistic = 'share_bullied' AND measure_code = 'EUIndeks_1398'))
),
computed AS (
    SELECT school_year, unit_type, unit_code, grade, gender, index_code, mean, n, status
    FROM core.survey_indices
    WHERE unit_type <> 'class'
)
SELECT
    school_year,
    unit_type,
    unit_code,
    grade,
    gender,
    index_code,
    c.mean                 AS computed,
    c.n                    AS computed_n,
    c.status               AS computed_status,
    p.value                AS published,
    p.status               AS published_status,
    c.mean - p.value       AS difference
FROM computed AS c
FULL OUTER JOIN published AS p USING (school_year, unit_type, unit_code, grade, gender, index_code)
ORDER BY school_year, unit_type, unit_code, grade, gender, index_code;

COMMENT ON TABLE mart.survey_vs_published IS 'Survey indices computed by skolestat beside those udir publishes (Elevundersøkelsen, Eksport API), by school year, unit, grade and gender, with the difference. Kilde: Utdanningsdirektoratet (published).';
COMMENT ON COLUMN mart.survey_vs_published.school_year IS 'Autumn year of the survey''s school year (2024 = 2024-25).';
COMMENT ON COLUMN mart.survey_vs_published.unit_type IS 'school, municipality, county or nation.';
COMMENT ON COLUMN mart.survey_vs_published.unit_code IS 'Organisation number, municipality code, county code, or 0 for the nation.';
COMMENT ON COLUMN mart.survey_vs_published.grade IS 'all, or the grade.';
COMMENT ON COLUMN mart.survey_vs_published.gender IS 'all, G or J.';
COMMENT ON COLUMN mart.survey_vs_published.index_code IS 'EUIndeks_1378 ... EUIndeks_1387, or EUIndeks_1398 (the bullying share, 0-100).';
COMMENT ON COLUMN mart.survey_vs_published.computed IS 'The index skolestat computed; null when suppressed or not computed.';
COMMENT ON COLUMN mart.survey_vs_published.computed_n IS 'Respondents behind it; null when suppressed.';
COMMENT ON COLUMN mart.survey_vs_published.computed_status IS 'ok or suppressed; null when not computed.';
COMMENT ON COLUMN mart.survey_vs_published.published IS 'The value udir publishes; null when suppressed there or not published.';
COMMENT ON COLUMN mart.survey_vs_published.published_status IS 'ok, suppressed or missing as udir gives it; null when not published.';
COMMENT ON COLUMN mart.survey_vs_published.difference IS 'computed - published, when both are numbers.';
