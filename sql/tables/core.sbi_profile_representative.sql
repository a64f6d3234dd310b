-- The representative school of each profile per level, written by the
-- profiles transform (transforms/profile). The rules and their thresholds
-- are in the Arrow schema metadata (profile.*) of the batches written.
CREATE OR REPLACE TABLE core.sbi_profile_representative (
    level        VARCHAR NOT NULL,
    profile      VARCHAR NOT NULL,
    school_orgnr VARCHAR,
    mean_effect  DOUBLE,
    slope        DOUBLE,
    n_pupils     INTEGER,
    candidates   INTEGER NOT NULL,
    eligible     INTEGER NOT NULL
);
COMMENT ON TABLE core.sbi_profile_representative IS 'One school per level and profile chosen to illustrate it (shared/spec/indicators.md §4): among the schools meeting the profile with at least min_pupils_per_level pupils, the highest mean effect for P1 and P2, the highest slope for P3, the lowest mean effect for P4; ties go to the smaller school code. An illustration, not the best or worst school. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN core.sbi_profile_representative.level IS '5-7 or 8-10: different measures, never to be compared across levels.';
COMMENT ON COLUMN core.sbi_profile_representative.profile IS 'P1, P2, P3 or P4.';
COMMENT ON COLUMN core.sbi_profile_representative.school_orgnr IS 'The school picked; null when no school meeting the profile passes the size rule.';
COMMENT ON COLUMN core.sbi_profile_representative.mean_effect IS 'The school''s unweighted mean effect_z over the windows; null when no school is picked.';
COMMENT ON COLUMN core.sbi_profile_representative.slope IS 'The school''s OLS slope of effect_z per year over the windows; null when no school is picked.';
COMMENT ON COLUMN core.sbi_profile_representative.n_pupils IS 'The school''s pupils in the latest window (both cohorts); null when no school is picked.';
COMMENT ON COLUMN core.sbi_profile_representative.candidates IS 'Schools of the level meeting the profile.';
COMMENT ON COLUMN core.sbi_profile_representative.eligible IS 'Of the candidates, those passing the size rule (size_rule latest: pupils in the latest window; every: in every window).';
