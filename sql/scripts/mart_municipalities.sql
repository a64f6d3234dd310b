-- mart.municipality_figures: the figures of core.municipality_figures in
-- today's municipality codes, so that a series runs unbroken across the
-- 2020 and 2024 reforms. Run by the nightly pipeline's `public` load step
-- after core_public.sql.
--
-- core.municipality_figures_mapped has read each figure's code in the
-- classification version in force on its period_start; from there:
--   - a code that is the same or renumbered keeps its figure;
--   - codes that merged are summed when the figure is a count (additive)
--     and every part is there and ok;
--   - a mean of merged municipalities is their pupil-weighted mean when
--     the source publishes the pupils behind it (grunnskolepoeng with
--     gsp_pupils, national tests with their participants, absence with
--     its pupils) for every part, ok and above 0; other means and ratios
--     (group size, survey indices and shares: no count is published with
--     them) cannot be rebuilt from the parts: not_comparable;
--   - a code that was split cannot be followed without weights:
--     not_comparable;
--   - a merger with a part missing that year: incomplete.
-- The harmonisation column says which rule gave the value.
-- A code the version does not hold (e.g. 9999 Uoppgitt) is left out; it is
-- in core.municipality_figures_mapped with no to_code.
CREATE OR REPLACE TABLE mart.municipality_figures AS
WITH mapped AS (
    SELECT * FROM core.municipality_figures_mapped
    WHERE region_code <> '0' AND to_code IS NOT NULL
),
-- The count published with a mean, for pupil-weighting merged parts.
weights(source, measure, weight_measure) AS (VALUES
    ('udir:grade_points', 'grunnskolepoeng', 'gsp_pupils'),
    ('udir:national_tests', 'national_test_scale_score', 'national_test_participants'),
    ('udir:absence', 'absence_mean_days', 'absence_pupils'),
    ('udir:absence', 'absence_mean_hours', 'absence_pupils'),
    ('udir:transitions', 'transition_share', 'transition_pupils')
),
weighted AS (
    SELECT m.source, m.measure, m.breakdown, m.to_code, m.year, m.period_kind,
           sum(m.value * w.value) / sum(w.value) AS value,
           count(*) AS parts,
           bool_and(m.status = 'ok' AND w.status = 'ok' AND w.value > 0) AS usable
    FROM mapped AS m
    JOIN weights AS k ON k.source = m.source AND k.measure = m.measure
    JOIN mapped AS w ON w.source = m.source AND w.measure = k.weight_measure AND w.breakdown = m.breakdown
                    AND w.region_code = m.region_code AND w.year = m.year AND w.period_kind = m.period_kind
    GROUP BY ALL
),
current_codes AS (
    SELECT
        source, measure, breakdown, to_code AS municipality_code, year, period_kind,
        CASE
            WHEN bool_or(targets > 1) THEN 'not_comparable'
            WHEN count(*) < max(parts_of_target) THEN 'incomplete'
            WHEN NOT bool_and(status = 'ok') THEN min(status) FILTER (WHERE status <> 'ok')
            WHEN count(*) = 1 OR bool_and(additive) THEN 'ok'
            ELSE 'not_comparable'
        END AS status,
        CASE WHEN count(*) = 1 THEN 'same' WHEN bool_and(additive) THEN 'summed' END AS harmonisation,
        CASE WHEN count(*) = 1 THEN any_value(value) ELSE sum(value) END AS value_if_ok,
        count(*) AS parts,
        bool_or(targets > 1) AS split,
        string_agg(region_code, ',' ORDER BY region_code) AS published_codes
    FROM mapped
    GROUP BY source, measure, breakdown, to_code, year, period_kind
),
resolved AS (
    SELECT c.* REPLACE (
               CASE WHEN c.status = 'not_comparable' AND NOT c.split AND w.usable AND w.parts = c.parts THEN 'ok' ELSE c.status END AS status,
               CASE WHEN c.status = 'not_comparable' AND NOT c.split AND w.usable AND w.parts = c.parts THEN 'pupil_weighted' ELSE c.harmonisation END AS harmonisation,
               CASE WHEN c.status = 'not_comparable' AND NOT c.split AND w.usable AND w.parts = c.parts THEN w.value ELSE c.value_if_ok END AS value_if_ok)
    FROM current_codes AS c
    LEFT JOIN weighted AS w
      ON w.source = c.source AND w.measure = c.measure AND w.breakdown = c.breakdown
     AND w.to_code = c.municipality_code AND w.year = c.year AND w.period_kind = c.period_kind
)
SELECT
    c.source,
    c.measure,
    c.breakdown,
    c.municipality_code,
    m.name            AS municipality_name,
    m.county_code,
    c.year,
    c.period_kind,
    CASE WHEN c.status = 'ok' THEN c.value_if_ok END AS value,
    c.status,
    c.published_codes,
    CASE WHEN c.status = 'ok' THEN c.harmonisation END AS harmonisation
FROM resolved AS c
LEFT JOIN core.municipalities AS m USING (municipality_code)
UNION ALL
SELECT source, measure, breakdown, '0', 'Hele landet', NULL, year, period_kind, value, status, '0',
       CASE WHEN status = 'ok' THEN 'same' END
FROM core.municipality_figures
WHERE region_code = '0'
ORDER BY measure, breakdown, municipality_code, year;

COMMENT ON TABLE mart.municipality_figures IS 'Municipality figures from SSB and udir in today''s municipality codes, across the 2020 and 2024 reforms: counts of merged municipalities are summed; means published with their pupils are pupil-weighted; other means and ratios of merged municipalities, and every figure of a split one, are not comparable and left empty. Kilde: Statistisk sentralbyrå; Utdanningsdirektoratet.';
COMMENT ON COLUMN mart.municipality_figures.source IS 'ssb:<table id> or udir:<report>.';
COMMENT ON COLUMN mart.municipality_figures.measure IS 'population_6_15, pupils, group_size_2, grunnskolepoeng, net_operating_cost_per_inhabitant_6_15, national_test_scale_score, national_test_participants, ...';
COMMENT ON COLUMN mart.municipality_figures.breakdown IS 'e.g. grade=5 or grade=8,subject=reading; empty for none.';
COMMENT ON COLUMN mart.municipality_figures.municipality_code IS 'Municipality code today (newest classification version), or 0 for the nation.';
COMMENT ON COLUMN mart.municipality_figures.municipality_name IS 'Municipality name today.';
COMMENT ON COLUMN mart.municipality_figures.county_code IS 'County code today; null for the nation.';
COMMENT ON COLUMN mart.municipality_figures.year IS 'Calendar year (SSB tables) or autumn year of the school year (udir).';
COMMENT ON COLUMN mart.municipality_figures.period_kind IS 'calendar or school_year.';
COMMENT ON COLUMN mart.municipality_figures.value IS 'The figure in today''s municipality; null unless status is ok.';
COMMENT ON COLUMN mart.municipality_figures.status IS 'ok; suppressed, missing or not_applicable as published; not_comparable (a mean or ratio of merged municipalities without the pupils behind it, or a split); incomplete (a merger with a part missing).';
COMMENT ON COLUMN mart.municipality_figures.harmonisation IS 'How an ok value reached today''s municipality: same (one code, the same or renumbered), summed (a count of merged municipalities), pupil_weighted (a mean of merged municipalities weighted by the pupils published with it); null when not ok.';
COMMENT ON COLUMN mart.municipality_figures.published_codes IS 'The codes the figure was published under, comma-separated (several: a merger).';
