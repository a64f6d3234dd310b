-- Stability of the school contribution indicators (shared/spec/indicators.md
-- §5), written by the stability transform (transforms/profile) from every
-- published fixed-model effect: year-to-year and same-cohort correlations,
-- and reliability, per level and window. The choices (lag, min_schools,
-- min_pupils) are in the Arrow schema metadata (stability.*).
CREATE OR REPLACE TABLE core.sbi_stability (
    measure         VARCHAR NOT NULL,
    level           VARCHAR NOT NULL,
    window_label    VARCHAR NOT NULL,
    to_level        VARCHAR,
    to_window_label VARCHAR,
    n_schools       INTEGER NOT NULL,
    r               DOUBLE,
    mean_se2        DOUBLE,
    var_effect      DOUBLE,
    noise_share     DOUBLE,
    reliability     DOUBLE
);
COMMENT ON TABLE core.sbi_stability IS 'How stable the school contribution indicators are: the correlation of school effects between windows (year_to_year), between a level and the next for the same two cohorts (same_cohort), and the share of their variance that is persistent rather than sampling noise (reliability, Kane & Staiger). Low stability is a reason to read any single window with care. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN core.sbi_stability.measure IS 'year_to_year, same_cohort or reliability.';
COMMENT ON COLUMN core.sbi_stability.level IS '1-4, 5-7 or 8-10: the level of the (first) effects.';
COMMENT ON COLUMN core.sbi_stability.window_label IS 'The window of the (first) effects: 2018+2019.';
COMMENT ON COLUMN core.sbi_stability.to_level IS 'The level of the effects correlated with: the same level for year_to_year, the next level for same_cohort (1-4 to 5-7, 5-7 to 8-10); null for reliability.';
COMMENT ON COLUMN core.sbi_stability.to_window_label IS 'The window correlated with: lag years later for year_to_year (consecutive windows share a cohort when lag is 1), 3 years later for same_cohort (the same two cohorts at the next level); null for reliability.';
COMMENT ON COLUMN core.sbi_stability.n_schools IS 'Schools with an effect in both windows (correlations), or in the window (reliability), after the min_pupils filter.';
COMMENT ON COLUMN core.sbi_stability.r IS 'Pearson correlation over schools, unweighted; null for reliability, and when fewer than min_schools schools or either side has no variance.';
COMMENT ON COLUMN core.sbi_stability.mean_se2 IS 'Mean squared standard error of the effects (sampling noise variance); null unless a defined reliability row.';
COMMENT ON COLUMN core.sbi_stability.var_effect IS 'Sample variance (n - 1) of the effects across schools; null unless a defined reliability row.';
COMMENT ON COLUMN core.sbi_stability.noise_share IS 'mean_se2 / var_effect: the share of the variance that is sampling noise, not capped (above 1 the noise alone exceeds the observed variance); null unless a defined reliability row.';
COMMENT ON COLUMN core.sbi_stability.reliability IS 'max(0, 1 - noise_share): the share of the variance that is persistent between-school variance; null unless a defined reliability row (at least 2 schools with variance).';
