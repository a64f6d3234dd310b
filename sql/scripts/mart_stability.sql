-- mart.sbi_stability: how stable the school contribution is (indicators.md
-- §5), as analysts read it.
CREATE OR REPLACE TABLE mart.sbi_stability AS
SELECT measure, level, window_label, to_level, to_window_label, n_schools, r, mean_se2, var_effect, noise_share, reliability
FROM core.sbi_stability
ORDER BY measure, level, window_label, to_level, to_window_label;
COMMENT ON TABLE mart.sbi_stability IS 'Stability of the school contribution: year_to_year (correlation of school effects between windows), same_cohort (a school''s effect for a cohort at one level against the same cohort''s at the next level) and reliability (the share of the variance of school effects that is not sampling noise). School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN mart.sbi_stability.measure IS 'year_to_year, same_cohort or reliability.';
COMMENT ON COLUMN mart.sbi_stability.level IS 'Level of the (first) effects.';
COMMENT ON COLUMN mart.sbi_stability.window_label IS 'Window of the (first) effects, e.g. 2018+2019.';
COMMENT ON COLUMN mart.sbi_stability.to_level IS 'Level correlated with (same_cohort: the next level); null for reliability.';
COMMENT ON COLUMN mart.sbi_stability.to_window_label IS 'Window correlated with; null for reliability.';
COMMENT ON COLUMN mart.sbi_stability.n_schools IS 'Schools in both windows (or in the window, for reliability).';
COMMENT ON COLUMN mart.sbi_stability.r IS 'Pearson correlation over schools, unweighted; null for reliability or too few schools.';
COMMENT ON COLUMN mart.sbi_stability.mean_se2 IS 'Mean squared standard error (sampling noise variance); reliability rows.';
COMMENT ON COLUMN mart.sbi_stability.var_effect IS 'Variance of the effects across schools; reliability rows.';
COMMENT ON COLUMN mart.sbi_stability.noise_share IS 'mean_se2 / var_effect: the share of the variance that is noise.';
COMMENT ON COLUMN mart.sbi_stability.reliability IS 'max(0, 1 - noise_share): the share that is persistent difference between schools (Kane and Staiger).';
