-- One row per level, window and model fitted by the sbi transform: the
-- sample, the covariates used and dropped, the variance components.
CREATE OR REPLACE TABLE core.sbi_run (
    level            VARCHAR NOT NULL,
    window_label     VARCHAR NOT NULL,
    model            VARCHAR NOT NULL,
    n_pupils         BIGINT,
    n_schools        BIGINT,
    covariates       VARCHAR NOT NULL,
    dropped          VARCHAR NOT NULL,
    sigma2           DOUBLE NOT NULL,
    tau2             DOUBLE NOT NULL,
    raw_sd           DOUBLE NOT NULL,
    outcome_mean     DOUBLE,
    spring_year_1    INTEGER NOT NULL,
    pupils_1         BIGINT,
    no_outcome_1     BIGINT,
    no_enrolment_1   BIGINT,
    missing_prior_1  BIGINT,
    unknown_income_1 BIGINT,
    spring_year_2    INTEGER NOT NULL,
    pupils_2         BIGINT,
    no_outcome_2     BIGINT,
    no_enrolment_2   BIGINT,
    missing_prior_2  BIGINT,
    unknown_income_2 BIGINT
);
COMMENT ON TABLE core.sbi_run IS 'Each school contribution fit: level, window and model, the estimation sample, the covariates used and those dropped for lack of variation (as R''s lm drops an aliased column), and the variance components.';
COMMENT ON COLUMN core.sbi_run.covariates IS 'The covariates fitted, comma-separated.';
COMMENT ON COLUMN core.sbi_run.dropped IS 'Covariates dropped because they did not vary in the sample (e.g. no pupil lacks a prior), comma-separated; empty when none.';
COMMENT ON COLUMN core.sbi_run.sigma2 IS 'Residual (pupil-level) variance of the outcome in z units.';
COMMENT ON COLUMN core.sbi_run.tau2 IS 'Variance of the school effects: fixed, the method-of-moments estimate used for shrinkage; mixed, the REML estimate.';
COMMENT ON COLUMN core.sbi_run.raw_sd IS 'Sample SD of the pupils'' raw outcome: effect = effect_z * raw_sd.';
COMMENT ON COLUMN core.sbi_run.outcome_mean IS 'Mean outcome z of the whole sample (every school): the national result a school''s outcome_z is compared with.';
COMMENT ON COLUMN core.sbi_run.spring_year_1 IS 'Spring year the first cohort finished the level; pupils_1 .. unknown_income_1 count it: in the sample, left out without an outcome, left out without an enrolment in the attribution grade, with a missing prior, with unknown income.';
COMMENT ON COLUMN core.sbi_run.spring_year_2 IS 'Spring year of the second cohort; the _2 columns count it as the _1 columns do the first.';
