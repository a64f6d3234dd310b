-- School contribution indicators per school, written by the sbi transform
-- (shared/spec/indicators.md §1). Suppressed rows keep no numbers.
CREATE OR REPLACE TABLE core.sbi_school (
    level          VARCHAR NOT NULL,
    window_label   VARCHAR NOT NULL,
    model          VARCHAR NOT NULL,
    school_orgnr   VARCHAR NOT NULL,
    n_pupils       BIGINT,
    effect_z       DOUBLE,
    effect         DOUBLE,
    se             DOUBLE,
    lower          DOUBLE,
    upper          DOUBLE,
    classification VARCHAR,
    shrunk_z       DOUBLE,
    outcome_z      DOUBLE,
    status         VARCHAR NOT NULL,
    suppression    VARCHAR
);
COMMENT ON TABLE core.sbi_school IS 'School contribution per school, level and window. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN core.sbi_school.level IS '1-4, 5-7 or 8-10: three different measures, never to be compared or averaged across levels.';
COMMENT ON COLUMN core.sbi_school.window_label IS 'The two cohorts pooled, by the spring year they finished the level: 2018+2019.';
COMMENT ON COLUMN core.sbi_school.model IS 'fixed (school fixed effects, the default) or mixed (random intercept by REML).';
COMMENT ON COLUMN core.sbi_school.school_orgnr IS 'The school of enrolment in the level''s last grade (4, 7 or 10).';
COMMENT ON COLUMN core.sbi_school.n_pupils IS 'Pupils of the school in the estimation sample (both cohorts); null when suppressed.';
COMMENT ON COLUMN core.sbi_school.effect_z IS 'School contribution in standard deviations of the outcome (fixed: centred so the national pupil-weighted mean is 0; mixed: the BLUP). Not a quality measure; read with the interval.';
COMMENT ON COLUMN core.sbi_school.effect IS 'effect_z in the outcome''s unit: national test scale points (1-4, 5-7) or grade points (8-10).';
COMMENT ON COLUMN core.sbi_school.se IS 'Standard error of effect_z (fixed: sigma_e / sqrt(n_pupils)).';
COMMENT ON COLUMN core.sbi_school.lower IS 'Lower bound of the 95 % interval of effect_z (effect_z - 1.96 se).';
COMMENT ON COLUMN core.sbi_school.upper IS 'Upper bound of the 95 % interval of effect_z.';
COMMENT ON COLUMN core.sbi_school.classification IS 'above (the interval lies above 0), below (below 0) or not_different.';
COMMENT ON COLUMN core.sbi_school.shrunk_z IS 'fixed: the empirical-Bayes shrunken effect, which reads small schools with less noise; null for mixed.';
COMMENT ON COLUMN core.sbi_school.outcome_z IS 'Mean outcome (z) of the school''s pupils in the sample, before any adjustment for background: its raw result, for the profiles (the national mean is about 0).';
COMMENT ON COLUMN core.sbi_school.status IS 'ok, or suppressed (fewer than min_pupils pupils, or it would reveal such a school by subtraction).';
COMMENT ON COLUMN core.sbi_school.suppression IS 'Why the row is suppressed (primary: n < 10; secondary: protects ...); null when published.';
