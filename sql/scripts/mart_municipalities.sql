-- mart.municipality_figures: the figures of core.municipality_figures in
-- today's municipality codes, so that a series runs unbroken across the
-- 2020 and 2024 reforms. Run by the nightly pipeline's `public` load step
-- after core_public.sql.
--
-- core.municipality_figures_mapped has read each figure's code in the
-- classification version in force on its period_start; from there:
--   - a code that is the same or renumbered keeps its figure;
--   - codes that merged are summed when the figure is a count (additive)
--     and every part is there and ok; a mean or ratio of merged
--     municipalities cannot be rebuilt from the parts: not_comparable;
--   - a code that was split cannot be followed without weights:
--     not_comparable;
--   - a merger with a part missing that year: incomplete.
-- A code the version does not hold (e.g. 9999 Uoppgitt) is left out; it is
-- in core.municipality_figures_mapped with no to_code.
CREATE OR REPLACE TABLE mart.municipality_figures AS
WITH mapped AS (
    SELECT * FROM core.municipality_figures_mapped
    WHERE region_code <> '0' AND to_code IS NOT NULL
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
        CASE WHEN count(*) = 1 THEN any_value(value) ELSE sum(value) END AS value_if_ok,
        string_agg(region_code, ',' ORDER BY region_code) AS published_codes
    FROM mapped
    GROUP BY source, measure, breakdown, to_code, year, period_kind
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
    c.published_codes
FROM current_codes AS c
LEFT JOIN core.municipalities AS m USING (municipality_code)
UNION ALL
SELECT source, measure, breakdown, '0', 'Hele landet', NULL, year, period_kind, value, status, '0'
FROM core.municipality_figures
WHERE region_code = '0'
ORDER BY measure, breakdown, municipality_code, year;

COMMENT ON TABLE mart.municipality_figures IS 'Municipality figures from SSB and udir in today''s municipality codes, across the 2020 and 2024 reforms: counts of merged municipalities are summed; means and ratios of merged or split municipalities are not comparable and left empty. Kilde: Statistisk sentralbyrå; Utdanningsdirektoratet.';
COMMENT ON COLUMN mart.municipality_figures.source IS 'ssb:<table id> or udir:<report>.';
COMMENT ON COLUMN mart.municipality_figures.measure IS 'population_6_15, pupils, group_size_2, grunnskolepoeng, net_operating_cost_per_inhabitant_6_15, national_test_scale_score, national_test_participants, ...';
COMMENT ON COLUMN mart.municipality_figures.breakdown IS 'e.g. grade=5 or grade=8,subject=reading; empty for none.';
COMMENT ON COLUMN mart.municipality_figures.municipality_code IS 'Municipality code today (newest classification version), or 0 for the nation.';
COMMENT ON COLUMN mart.municipality_figures.municipality_name IS 'Municipality name today.';
COMMENT ON COLUMN mart.municipality_figures.county_code IS 'County code today; null for the nation.';
COMMENT ON COLUMN mart.municipality_figures.year IS 'Calendar year (SSB tables) or autumn year of the school year (udir).';
COMMENT ON COLUMN mart.municipality_figures.period_kind IS 'calendar or school_year.';
COMMENT ON COLUMN mart.municipality_figures.value IS 'The figure in today''s municipality; null unless status is ok.';
COMMENT ON COLUMN mart.municipality_figures.status IS 'ok; suppressed, missing or not_applicable as published; not_comparable (a mean or ratio of merged municipalities, or a split); incomplete (a merger with a part missing).';
COMMENT ON COLUMN mart.municipality_figures.published_codes IS 'The codes the figure was published under, comma-separated (several: a merger).';
