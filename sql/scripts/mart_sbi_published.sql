-- mart.sbi_vs_published: the school contribution skolestat computed
-- (core.sbi_school and core.sbi_aggregate, model fixed: the official
-- indicators' kind) for schools, municipalities and counties, beside
-- the one udir publishes (raw.udir_school_contribution, table SkolebidragG
-- of the report API), for the same level, window and unit, so that an
-- analyst sees at once where the two disagree. A row only one side has is
-- kept, the other side null. Run by a load step after the sbi transform and
-- the udir extract.
--
-- udir's year value names the school year in which the later cohort
-- finished (TidID 202406 "2023-24" = the cohorts of spring 2023 and 2024):
-- school_year 2023 is window 2023+2024. Its header columns are the level
-- ("5.-7. trinn") and the measure (Skolebidrag, Signifikans, Antall
-- elever); those labels are what the emulator serves: the real ones are
-- not known (docs/sources.md), so check them against a live run.
--
-- raw.udir_school_contribution is not created when udir lists no school
-- contribution page; then this table holds the computed side only.
CREATE TABLE IF NOT EXISTS raw.udir_school_contribution (
    school_year INTEGER, unit_level VARCHAR, unit_code VARCHAR, "columns" VARCHAR,
    measure VARCHAR, value DOUBLE, status VARCHAR, raw VARCHAR
);

CREATE OR REPLACE TABLE mart.sbi_vs_published AS
WITH published AS (
    SELECT
        CASE json_extract_string("columns", '$[0]')
            WHEN '1.-4. trinn' THEN '1-4' WHEN '5.-7. trinn' THEN '5-7' WHEN '8.-10. trinn' THEN '8-10'
        END                                                        AS level,
        school_year::VARCHAR || '+' || (school_year + 1)::VARCHAR  AS window_label,
        unit_level                                                 AS unit_type,
        unit_code,
        max(value) FILTER (WHERE measure = 'Skolebidrag')          AS effect,
        max(status) FILTER (WHERE measure = 'Skolebidrag')         AS status,
        max(raw) FILTER (WHERE measure = 'Signifikans')            AS significance,
        max(value) FILTER (WHERE measure = 'Antall elever')        AS n_pupils
    FROM raw.udir_school_contribution
    WHERE school_year IS NOT NULL
    GROUP BY ALL
),
computed AS (
    SELECT level, window_label, unit_type, unit_code, effect, effect_z, n_pupils, classification, status
    FROM core.sbi_aggregate
    WHERE model = 'fixed' AND unit_type IN ('municipality', 'county')
    UNION ALL
    SELECT level, window_label, 'school', school_orgnr, effect, effect_z, n_pupils, classification, status
    FROM core.sbi_school
    WHERE model = 'fixed'
)
SELECT
    coalesce(c.level, p.level)               AS level,
    coalesce(c.window_label, p.window_label) AS window_label,
    coalesce(c.unit_type, p.unit_type)       AS unit_type,
    coalesce(c.unit_code, p.unit_code)       AS unit_code,
    c.effect                                 AS computed,
    c.effect_z                               AS computed_z,
    c.n_pupils                               AS computed_n,
    c.classification                         AS computed_classification,
    c.status                                 AS computed_status,
    p.effect                                 AS published,
    p.n_pupils::BIGINT                       AS published_n,
    p.significance                           AS published_significance,
    p.status                                 AS published_status,
    c.effect - p.effect                      AS difference
FROM computed AS c
FULL OUTER JOIN published AS p
  ON p.level = c.level AND p.window_label = c.window_label AND p.unit_type = c.unit_type AND p.unit_code = c.unit_code
ORDER BY level, window_label, unit_type, unit_code;

COMMENT ON TABLE mart.sbi_vs_published IS 'School contribution of schools, municipalities and counties as skolestat computes it (model fixed; municipalities and counties over public schools only) beside what udir publishes, by level and window, with the difference. Not a quality measure; the three levels must never be compared with each other.';
COMMENT ON COLUMN mart.sbi_vs_published.level IS '1-4, 5-7 or 8-10.';
COMMENT ON COLUMN mart.sbi_vs_published.window_label IS 'The two cohorts pooled, by spring year (udir''s year 2023-24 is 2023+2024).';
COMMENT ON COLUMN mart.sbi_vs_published.unit_type IS 'school, municipality or county (udir''s level, from the shape of its code).';
COMMENT ON COLUMN mart.sbi_vs_published.unit_code IS 'School organisation number, municipality or county code (each side in its own classification: codes that changed in a reform do not meet).';
COMMENT ON COLUMN mart.sbi_vs_published.computed IS 'The contribution skolestat computed, in the outcome''s unit; null when suppressed or not computed.';
COMMENT ON COLUMN mart.sbi_vs_published.computed_z IS 'The same in standard deviations of the outcome.';
COMMENT ON COLUMN mart.sbi_vs_published.computed_n IS 'Pupils in the sample (a municipality or county: of its public schools).';
COMMENT ON COLUMN mart.sbi_vs_published.computed_classification IS 'above, below or not_different.';
COMMENT ON COLUMN mart.sbi_vs_published.computed_status IS 'ok or suppressed; null when not computed.';
COMMENT ON COLUMN mart.sbi_vs_published.published IS 'The value udir publishes (Skolebidrag); null when suppressed there or not published.';
COMMENT ON COLUMN mart.sbi_vs_published.published_n IS 'Pupils udir gives (Antall elever).';
COMMENT ON COLUMN mart.sbi_vs_published.published_significance IS 'udir''s significance text (e.g. over, under, ikke signifikant).';
COMMENT ON COLUMN mart.sbi_vs_published.published_status IS 'ok, suppressed or missing as udir gives it; null when not published.';
COMMENT ON COLUMN mart.sbi_vs_published.difference IS 'computed minus published.';
