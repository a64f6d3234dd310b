-- Number of schools per level in each profile and category, written by the
-- profiles transform (transforms/profile). The rules and their thresholds
-- are in the Arrow schema metadata (profile.*) of the batches written.
CREATE OR REPLACE TABLE core.sbi_profile_count (
    level     VARCHAR NOT NULL,
    category  VARCHAR NOT NULL,
    n_schools INTEGER NOT NULL
);
COMMENT ON TABLE core.sbi_profile_count IS 'Schools per level and profile (shared/spec/indicators.md §4): how many have an effect in the profiled windows, how many in all of them, and how many of those meet each profile. A school meeting several profiles is counted in each (P2 schools are also in P1). A profile selects schools to study, not to rate. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN core.sbi_profile_count.level IS '5-7 or 8-10: different measures, never to be compared across levels.';
COMMENT ON COLUMN core.sbi_profile_count.category IS 'schools (an effect in any profiled window), complete (in every window: the profiled schools), incomplete (missing a window: not profiled), missing_facts (complete, with a context value missing), P1, P2, P3, P4, or none (complete, meeting no profile).';
COMMENT ON COLUMN core.sbi_profile_count.n_schools IS 'Schools of the level in the category. The size rule (min_pupils_per_level) does not apply to counts.';
