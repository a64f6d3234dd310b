-- mart.survey_indices: survey indices as analysts and BI tools read them.
-- Classes are left out (they identify small groups of pupils and have no
-- published counterpart); suppressed cells show status 'suppressed', why,
-- and no numbers.
CREATE OR REPLACE TABLE mart.survey_indices AS
SELECT
    i.school_year,
    i.school_year::VARCHAR || '-' || right(((i.school_year + 1) % 100 + 100)::VARCHAR, 2) AS school_year_label,
    i.unit_type,
    i.unit_code,
    CASE i.unit_type WHEN 'school' THEN s.name WHEN 'nation' THEN 'Hele landet' END AS unit_name,
    CASE i.unit_type WHEN 'school' THEN s.municipality_code WHEN 'municipality' THEN i.unit_code END AS municipality_code,
    CASE i.unit_type WHEN 'school' THEN s.county_code WHEN 'municipality' THEN left(i.unit_code, 2) WHEN 'county' THEN i.unit_code END AS county_code,
    i.grade,
    i.gender,
    i.index_code,
    i.n,
    i.mean,
    round(i.mean, 1) AS mean_display,
    i.sd,
    i.status,
    i.suppression
FROM core.survey_indices AS i
-- Joined on the code alone (an organisation number is no other unit's
-- code): a constant in the join condition made DuckDB loop over every pair.
LEFT JOIN core.schools AS s ON s.school_orgnr = i.unit_code
WHERE i.unit_type <> 'class'
ORDER BY i.school_year, i.unit_type, i.unit_code, i.grade, i.gender, i.index_code;

COMMENT ON TABLE mart.survey_indices IS 'Survey indices (e.g. Elevundersøkelsen''s) by school year, unit (school, municipality, county, nation), grade and gender, computed by skolestat from item-level answers by a codebook. Cells with fewer respondents than the codebook''s minimum are suppressed.';
COMMENT ON COLUMN mart.survey_indices.school_year IS 'Autumn year of the survey''s school year (2024 = 2024-25).';
COMMENT ON COLUMN mart.survey_indices.school_year_label IS 'The school year as written in Norwegian statistics, e.g. 2024-25.';
COMMENT ON COLUMN mart.survey_indices.unit_type IS 'school, municipality, county or nation.';
COMMENT ON COLUMN mart.survey_indices.unit_code IS 'Organisation number (school), municipality code, county code, or 0 for the nation.';
COMMENT ON COLUMN mart.survey_indices.unit_name IS 'School name, or Hele landet for the nation.';
COMMENT ON COLUMN mart.survey_indices.municipality_code IS 'Municipality of a school or municipality row.';
COMMENT ON COLUMN mart.survey_indices.county_code IS 'County of a school, municipality or county row.';
COMMENT ON COLUMN mart.survey_indices.grade IS 'all, or the grade (e.g. 7).';
COMMENT ON COLUMN mart.survey_indices.gender IS 'all, G (boys) or J (girls).';
COMMENT ON COLUMN mart.survey_indices.index_code IS 'The codebook''s index code, e.g. EUIndeks_1379 (Trivsel); EUIndeks_1398 is the bullying share.';
COMMENT ON COLUMN mart.survey_indices.n IS 'Respondents with a score; null when suppressed.';
COMMENT ON COLUMN mart.survey_indices.mean IS 'Mean score on the index''s scale (1-5), or the bullying share 0-100; null when suppressed.';
COMMENT ON COLUMN mart.survey_indices.mean_display IS 'The mean rounded to one decimal, as published.';
COMMENT ON COLUMN mart.survey_indices.sd IS 'Sample standard deviation of the scores; null when suppressed or n = 1.';
COMMENT ON COLUMN mart.survey_indices.status IS 'ok or suppressed.';
COMMENT ON COLUMN mart.survey_indices.suppression IS 'Why the cell is suppressed: primary (too few respondents) or secondary (it would reveal another suppressed cell by subtraction); null when published.';
