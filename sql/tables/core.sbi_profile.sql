-- The expert group's profiles (shared/spec/indicators.md §4) per school and
-- level, written by the profiles transform (transforms/profile): one row per
-- school and level with a published fixed-model effect in any of the
-- profiled windows. The rules and their thresholds are in the Arrow schema
-- metadata (profile.*) of the batches written.
CREATE OR REPLACE TABLE core.sbi_profile (
    school_orgnr  VARCHAR NOT NULL,
    level         VARCHAR NOT NULL,
    profile       VARCHAR NOT NULL,
    p1            BOOLEAN NOT NULL,
    p2            BOOLEAN NOT NULL,
    p3            BOOLEAN NOT NULL,
    p4            BOOLEAN NOT NULL,
    mean_effect   DOUBLE,
    slope         DOUBLE,
    windows       INTEGER NOT NULL,
    n_pupils      INTEGER,
    missing_facts BOOLEAN
);
COMMENT ON TABLE core.sbi_profile IS 'Profile of each school per level over the profiled windows (default 2014+2015 .. 2018+2019): P1 stable high, P2 stable high with a low share of parents with higher education, P3 steady progression, P4 stable low, from the school contribution in every window and the latest window''s results, survey indices and bullying share against the national values. A profile selects schools to study, not to rate. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN core.sbi_profile.school_orgnr IS 'The school of enrolment in the level''s last grade (7 or 10), as in core.sbi_school.';
COMMENT ON COLUMN core.sbi_profile.level IS '5-7 or 8-10: different measures, profiled separately; never compare profiles across levels.';
COMMENT ON COLUMN core.sbi_profile.profile IS 'The profiles the school meets joined by + (P1, P1+P2, P1+P3, P1+P2+P3, P3, P4), none when it meets none, not_profiled when it lacks an effect in some window.';
COMMENT ON COLUMN core.sbi_profile.p1 IS 'Meets P1: effect above 0 in every window (point or 95 % interval, per sbi_rule) and good context (result above national, survey indices above national, bullying share at most bullying_tolerance points above national). False when not profiled.';
COMMENT ON COLUMN core.sbi_profile.p2 IS 'Meets P2: P1 and a share of pupils with a parent with higher education below the national share (always with p1). False when not profiled.';
COMMENT ON COLUMN core.sbi_profile.p3 IS 'Meets P3: effect increasing over the windows (strictly at every step, or a positive slope, per progression_rule) and good context as P1. False when not profiled.';
COMMENT ON COLUMN core.sbi_profile.p4 IS 'Meets P4: effect below 0 in every window, result and survey indices below national and bullying share above national. False when not profiled.';
COMMENT ON COLUMN core.sbi_profile.mean_effect IS 'Unweighted mean of the school''s effect_z over the windows; null when not profiled.';
COMMENT ON COLUMN core.sbi_profile.slope IS 'OLS slope of effect_z on the window''s first spring year (standard deviations per year); null when not profiled.';
COMMENT ON COLUMN core.sbi_profile.windows IS 'Profiled windows in which the school has a published effect; it is profiled only when it has all.';
COMMENT ON COLUMN core.sbi_profile.n_pupils IS 'Pupils in the latest window (both cohorts); null when the school has no effect in it.';
COMMENT ON COLUMN core.sbi_profile.missing_facts IS 'A value the context rules read is missing (the school''s or the nation''s result, survey index, bullying share or share with higher education), so the school cannot meet a profile that needs it; null when not profiled.';
