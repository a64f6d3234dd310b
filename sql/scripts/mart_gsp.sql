-- mart.gsp: grunnskolepoeng as analysts and BI tools read it. One row per
-- school year, unit and subgroup; suppressed cells show status 'suppressed'
-- and no numbers (never 0).
CREATE OR REPLACE TABLE mart.gsp AS
SELECT
    g.school_year,
    g.school_year::VARCHAR || '-' || right(((g.school_year + 1) % 100 + 100)::VARCHAR, 2) AS school_year_label,
    g.unit_type,
    g.unit_code,
    CASE g.unit_type WHEN 'school' THEN s.name WHEN 'nation' THEN 'Hele landet' END AS unit_name,
    CASE g.unit_type WHEN 'school' THEN s.municipality_code WHEN 'municipality' THEN g.unit_code END AS municipality_code,
    CASE g.unit_type WHEN 'school' THEN s.county_code WHEN 'municipality' THEN left(g.unit_code, 2) WHEN 'county' THEN g.unit_code END AS county_code,
    g.subgroup_type,
    g.subgroup,
    g.n,
    g.mean              AS gsp,
    round(g.mean, 1)    AS gsp_display,
    g.sd                AS gsp_sd,
    g.status,
    g.suppression
FROM core.gsp AS g
-- Joined on the code alone (an organisation number is no other unit's
-- code): a constant in the join condition made DuckDB loop over every pair.
LEFT JOIN core.schools AS s ON s.school_orgnr = g.unit_code
ORDER BY g.school_year, g.unit_type, g.unit_code, g.subgroup_type, g.subgroup;

COMMENT ON TABLE mart.gsp IS 'Grunnskolepoeng (grade points, 10-60) by school year, unit (school, municipality, county, nation) and subgroup (all, gender, owner). Cells with fewer than 10 pupils, and cells that would reveal them, are suppressed. Kilde: computed by skolestat from grade-10 final grades.';
COMMENT ON COLUMN mart.gsp.school_year IS 'Autumn year of the school year in which the pupils finished grade 10 (2023 = 2023-24).';
COMMENT ON COLUMN mart.gsp.school_year_label IS 'The school year as written in Norwegian statistics, e.g. 2023-24.';
COMMENT ON COLUMN mart.gsp.unit_type IS 'school, municipality, county or nation.';
COMMENT ON COLUMN mart.gsp.unit_code IS 'Organisation number (school), municipality code, county code, or 0 for the nation.';
COMMENT ON COLUMN mart.gsp.unit_name IS 'School name, or Hele landet for the nation; municipality and county names come with the classification connector.';
COMMENT ON COLUMN mart.gsp.municipality_code IS 'Municipality of a school or municipality row.';
COMMENT ON COLUMN mart.gsp.county_code IS 'County of a school, municipality or county row.';
COMMENT ON COLUMN mart.gsp.subgroup_type IS 'all, gender or owner.';
COMMENT ON COLUMN mart.gsp.subgroup IS 'all; G (boys) or J (girls); public or private.';
COMMENT ON COLUMN mart.gsp.n IS 'Pupils with grunnskolepoeng; null when suppressed.';
COMMENT ON COLUMN mart.gsp.gsp IS 'Mean grunnskolepoeng, unrounded; null when suppressed.';
COMMENT ON COLUMN mart.gsp.gsp_display IS 'Mean grunnskolepoeng rounded to one decimal, as published.';
COMMENT ON COLUMN mart.gsp.gsp_sd IS 'Sample standard deviation of grunnskolepoeng; null when suppressed or n < 2.';
COMMENT ON COLUMN mart.gsp.status IS 'ok or suppressed.';
COMMENT ON COLUMN mart.gsp.suppression IS 'Why the cell is suppressed: primary (too few pupils) or secondary (it would reveal another suppressed cell).';
