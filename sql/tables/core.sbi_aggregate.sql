-- School contribution indicators of municipalities (public schools only),
-- counties and the nation, written by the sbi transform.
CREATE OR REPLACE TABLE core.sbi_aggregate (
    level          VARCHAR NOT NULL,
    window_label   VARCHAR NOT NULL,
    model          VARCHAR NOT NULL,
    unit_type      VARCHAR NOT NULL,
    unit_code      VARCHAR NOT NULL,
    n_pupils       BIGINT,
    n_schools      BIGINT,
    effect_z       DOUBLE,
    effect         DOUBLE,
    se             DOUBLE,
    lower          DOUBLE,
    upper          DOUBLE,
    classification VARCHAR,
    status         VARCHAR NOT NULL,
    suppression    VARCHAR
);
COMMENT ON TABLE core.sbi_aggregate IS 'School contribution of municipalities, counties and the nation over their public schools, by level and window. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN core.sbi_aggregate.level IS '1-4, 5-7 or 8-10: three different measures, never to be compared or averaged across levels.';
COMMENT ON COLUMN core.sbi_aggregate.window_label IS 'The two cohorts pooled, by the spring year they finished the level: 2018+2019.';
COMMENT ON COLUMN core.sbi_aggregate.model IS 'fixed or mixed.';
COMMENT ON COLUMN core.sbi_aggregate.unit_type IS 'municipality, county or nation.';
COMMENT ON COLUMN core.sbi_aggregate.unit_code IS 'Municipality code (4 digits, in the schools file''s classification), county code (2 digits) or 0 for the nation.';
COMMENT ON COLUMN core.sbi_aggregate.n_pupils IS 'Pupils of the unit''s public schools in the estimation sample; null when suppressed.';
COMMENT ON COLUMN core.sbi_aggregate.n_schools IS 'Public schools of the unit in the sample; null when suppressed.';
COMMENT ON COLUMN core.sbi_aggregate.effect_z IS 'Pupil-weighted mean of the public schools'' effects, in standard deviations of the outcome. Private schools are left out (002 l.1472-1477).';
COMMENT ON COLUMN core.sbi_aggregate.effect IS 'effect_z in the outcome''s unit: national test scale points (1-4, 5-7) or grade points (8-10).';
COMMENT ON COLUMN core.sbi_aggregate.se IS 'Standard error: sqrt(sum n_s^2 se_s^2) / sum n_s (fixed: sigma_e / sqrt(n_pupils)).';
COMMENT ON COLUMN core.sbi_aggregate.lower IS 'Lower bound of the 95 % interval of effect_z.';
COMMENT ON COLUMN core.sbi_aggregate.upper IS 'Upper bound of the 95 % interval of effect_z.';
COMMENT ON COLUMN core.sbi_aggregate.classification IS 'above, below or not_different (the interval against 0).';
COMMENT ON COLUMN core.sbi_aggregate.status IS 'ok or suppressed.';
COMMENT ON COLUMN core.sbi_aggregate.suppression IS 'Why the row is suppressed; null when published.';
