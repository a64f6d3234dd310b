-- mart.sbi_school and mart.sbi_aggregate: the school contribution
-- indicators as analysts and BI tools read them, with the caveat in every
-- table and column comment (indicators.md §1). Suppressed rows stay, with
-- status 'suppressed', why, and no numbers.
CREATE OR REPLACE TABLE mart.sbi_school AS
SELECT
    i.level,
    i.window_label,
    i.model,
    i.school_orgnr,
    s.name              AS school_name,
    s.municipality_code,
    s.county_code,
    s.public,
    i.n_pupils,
    i.effect_z,
    i.effect,
    round(i.effect, 1)  AS effect_display,
    i.se,
    i.lower,
    i.upper,
    i.classification,
    i.shrunk_z,
    i.outcome_z,
    i.status,
    i.suppression
FROM core.sbi_school AS i
LEFT JOIN core.schools AS s USING (school_orgnr)
ORDER BY i.level, i.window_label, i.model, i.school_orgnr;

COMMENT ON TABLE mart.sbi_school IS 'School contribution (skolebidrag) per school, level and window. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN mart.sbi_school.level IS '1-4, 5-7 or 8-10: three different measures. Never compare, average or rank across levels.';
COMMENT ON COLUMN mart.sbi_school.window_label IS 'The two cohorts pooled, by the spring year they finished the level, e.g. 2018+2019.';
COMMENT ON COLUMN mart.sbi_school.model IS 'fixed (school fixed effects; the default) or mixed (random intercept by REML).';
COMMENT ON COLUMN mart.sbi_school.school_orgnr IS 'Organisation number of the school of enrolment in grade 4, 7 or 10.';
COMMENT ON COLUMN mart.sbi_school.school_name IS 'School name.';
COMMENT ON COLUMN mart.sbi_school.municipality_code IS 'Municipality of the school.';
COMMENT ON COLUMN mart.sbi_school.county_code IS 'County of the school.';
COMMENT ON COLUMN mart.sbi_school.public IS 'True for a public school; municipality figures use public schools only.';
COMMENT ON COLUMN mart.sbi_school.n_pupils IS 'Pupils in the estimation sample (both cohorts); null when suppressed.';
COMMENT ON COLUMN mart.sbi_school.effect_z IS 'School contribution in standard deviations of the outcome; 0 is the national average. Not a quality measure: a supplement, uncertain for small schools (read lower and upper).';
COMMENT ON COLUMN mart.sbi_school.effect IS 'The contribution in the outcome''s unit: national test scale points (1-4, 5-7) or grade points (8-10). Not comparable across levels.';
COMMENT ON COLUMN mart.sbi_school.effect_display IS 'effect rounded to one decimal.';
COMMENT ON COLUMN mart.sbi_school.se IS 'Standard error of effect_z.';
COMMENT ON COLUMN mart.sbi_school.lower IS 'Lower bound of the 95 % interval of effect_z.';
COMMENT ON COLUMN mart.sbi_school.upper IS 'Upper bound of the 95 % interval of effect_z.';
COMMENT ON COLUMN mart.sbi_school.classification IS 'above (the whole interval above the national average), below, or not_different (the data cannot tell the school from the average).';
COMMENT ON COLUMN mart.sbi_school.shrunk_z IS 'fixed: the effect shrunk toward 0 by its reliability (empirical Bayes), which reads small schools with less noise; null for mixed.';
COMMENT ON COLUMN mart.sbi_school.outcome_z IS 'The school''s raw result: its pupils'' mean outcome in z, before adjusting for background (national mean about 0). The difference from effect_z is what the pupils bring.';
COMMENT ON COLUMN mart.sbi_school.status IS 'ok or suppressed.';
COMMENT ON COLUMN mart.sbi_school.suppression IS 'Why suppressed: primary (fewer than 10 pupils) or secondary (it would reveal a suppressed school by subtraction).';

CREATE OR REPLACE TABLE mart.sbi_aggregate AS
SELECT
    level,
    window_label,
    model,
    unit_type,
    unit_code,
    CASE unit_type WHEN 'municipality' THEN left(unit_code, 2) WHEN 'county' THEN unit_code END AS county_code,
    n_pupils,
    n_schools,
    effect_z,
    effect,
    round(effect, 1) AS effect_display,
    se,
    lower,
    upper,
    classification,
    status,
    suppression
FROM core.sbi_aggregate
ORDER BY level, window_label, model, unit_type, unit_code;

COMMENT ON TABLE mart.sbi_aggregate IS 'School contribution of municipalities (public schools only), counties and the nation, by level and window. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN mart.sbi_aggregate.level IS '1-4, 5-7 or 8-10: three different measures. Never compare, average or rank across levels.';
COMMENT ON COLUMN mart.sbi_aggregate.window_label IS 'The two cohorts pooled, by the spring year they finished the level, e.g. 2018+2019.';
COMMENT ON COLUMN mart.sbi_aggregate.model IS 'fixed or mixed.';
COMMENT ON COLUMN mart.sbi_aggregate.unit_type IS 'municipality, county or nation.';
COMMENT ON COLUMN mart.sbi_aggregate.unit_code IS 'Municipality code (in the schools file''s classification), county code, or 0 for the nation.';
COMMENT ON COLUMN mart.sbi_aggregate.county_code IS 'County of a municipality or county row.';
COMMENT ON COLUMN mart.sbi_aggregate.n_pupils IS 'Pupils of the unit''s public schools in the sample; null when suppressed.';
COMMENT ON COLUMN mart.sbi_aggregate.n_schools IS 'Public schools of the unit in the sample; null when suppressed.';
COMMENT ON COLUMN mart.sbi_aggregate.effect_z IS 'Pupil-weighted mean contribution of the unit''s public schools, in standard deviations of the outcome. Not a quality measure; read lower and upper.';
COMMENT ON COLUMN mart.sbi_aggregate.effect IS 'The contribution in the outcome''s unit (scale points or grade points). Not comparable across levels.';
COMMENT ON COLUMN mart.sbi_aggregate.effect_display IS 'effect rounded to one decimal.';
COMMENT ON COLUMN mart.sbi_aggregate.se IS 'Standard error of effect_z.';
COMMENT ON COLUMN mart.sbi_aggregate.lower IS 'Lower bound of the 95 % interval of effect_z.';
COMMENT ON COLUMN mart.sbi_aggregate.upper IS 'Upper bound of the 95 % interval of effect_z.';
COMMENT ON COLUMN mart.sbi_aggregate.classification IS 'above, below or not_different (the interval against the national average).';
COMMENT ON COLUMN mart.sbi_aggregate.status IS 'ok or suppressed.';
COMMENT ON COLUMN mart.sbi_aggregate.suppression IS 'Why suppressed; null when published.';
