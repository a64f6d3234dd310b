-- mart.sbi_profile, mart.sbi_profile_count, mart.sbi_profile_representative:
-- the expert group's profiles (indicators.md §4) as analysts read them,
-- with school names. The rules and thresholds are those of the profiles
-- step's configuration (docs/methods.md).
CREATE OR REPLACE TABLE mart.sbi_profile AS
SELECT p.level, p.school_orgnr, s.name AS school_name, s.municipality_code, s.public,
       p.profile, p.p1, p.p2, p.p3, p.p4, p.mean_effect, p.slope, p.windows, p.n_pupils, p.missing_facts
FROM core.sbi_profile AS p
LEFT JOIN core.schools AS s USING (school_orgnr)
ORDER BY p.level, p.school_orgnr;
COMMENT ON TABLE mart.sbi_profile IS 'The expert group''s school profiles per school and level (P1 stable high, P2 stable high with a low share of parents with higher education, P3 steady progression, P4 stable low) over five windows. A profile selects schools to learn from, not to rate. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN mart.sbi_profile.level IS '5-7 or 8-10, profiled separately; never compare across levels.';
COMMENT ON COLUMN mart.sbi_profile.school_orgnr IS 'Organisation number of the school.';
COMMENT ON COLUMN mart.sbi_profile.school_name IS 'School name.';
COMMENT ON COLUMN mart.sbi_profile.municipality_code IS 'Municipality of the school.';
COMMENT ON COLUMN mart.sbi_profile.public IS 'True for a public school.';
COMMENT ON COLUMN mart.sbi_profile.profile IS 'The profiles met, joined by + (e.g. P1+P2), none, or not_profiled (no published effect in some window).';
COMMENT ON COLUMN mart.sbi_profile.p1 IS 'Stable high: effect above 0 in every window, and results and survey above, bullying not much above, the national values.';
COMMENT ON COLUMN mart.sbi_profile.p2 IS 'P1 with a share of pupils with a parent with higher education below the national share.';
COMMENT ON COLUMN mart.sbi_profile.p3 IS 'Steady progression: effect increasing over the windows, context as P1.';
COMMENT ON COLUMN mart.sbi_profile.p4 IS 'Stable low: effect below 0 in every window, results and survey below and bullying above the national values.';
COMMENT ON COLUMN mart.sbi_profile.mean_effect IS 'Mean effect_z over the windows (standard deviations of the outcome).';
COMMENT ON COLUMN mart.sbi_profile.slope IS 'Change of effect_z per year over the windows (OLS slope).';
COMMENT ON COLUMN mart.sbi_profile.windows IS 'Windows with a published effect.';
COMMENT ON COLUMN mart.sbi_profile.n_pupils IS 'Pupils in the latest window.';
COMMENT ON COLUMN mart.sbi_profile.missing_facts IS 'True when a result, survey or bullying figure the rules need is missing (suppressed or absent); such a school meets no profile that needs it.';

CREATE OR REPLACE TABLE mart.sbi_profile_count AS
SELECT level, category, n_schools FROM core.sbi_profile_count ORDER BY level, category;
COMMENT ON TABLE mart.sbi_profile_count IS 'How many schools meet each profile, per level, and how many could be profiled. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN mart.sbi_profile_count.level IS '5-7 or 8-10.';
COMMENT ON COLUMN mart.sbi_profile_count.category IS 'schools, complete (profiled), incomplete (missing a window), missing_facts, P1, P2, P3, P4 or none.';
COMMENT ON COLUMN mart.sbi_profile_count.n_schools IS 'Schools in the category.';

CREATE OR REPLACE TABLE mart.sbi_profile_representative AS
SELECT r.level, r.profile, r.school_orgnr, s.name AS school_name, s.municipality_code,
       r.mean_effect, r.slope, r.n_pupils, r.candidates, r.eligible
FROM core.sbi_profile_representative AS r
LEFT JOIN core.schools AS s USING (school_orgnr)
ORDER BY r.level, r.profile;
COMMENT ON TABLE mart.sbi_profile_representative IS 'The representative school of each profile and level: the highest mean effect (P1, P2), the highest slope (P3), the lowest mean effect (P4), among schools with enough pupils. School contribution indicators (skolebidragsindikatorer) are not a measure of a school''s quality: they estimate what pupils achieve at a school compared with similar pupils nationally, and are a supplement to other information about the school, never a ranking on their own. Estimates for small schools and municipalities are uncertain: read the 95 % interval, not the point. The three levels (1-4, 5-7, 8-10) are different measures and must never be compared, averaged or ranked across levels.';
COMMENT ON COLUMN mart.sbi_profile_representative.level IS '5-7 or 8-10.';
COMMENT ON COLUMN mart.sbi_profile_representative.profile IS 'P1, P2, P3 or P4.';
COMMENT ON COLUMN mart.sbi_profile_representative.school_orgnr IS 'The school picked; null when no school of the profile has enough pupils.';
COMMENT ON COLUMN mart.sbi_profile_representative.school_name IS 'School name.';
COMMENT ON COLUMN mart.sbi_profile_representative.municipality_code IS 'Municipality of the school.';
COMMENT ON COLUMN mart.sbi_profile_representative.mean_effect IS 'Mean effect_z over the windows.';
COMMENT ON COLUMN mart.sbi_profile_representative.slope IS 'Change of effect_z per year.';
COMMENT ON COLUMN mart.sbi_profile_representative.n_pupils IS 'Pupils in the latest window.';
COMMENT ON COLUMN mart.sbi_profile_representative.candidates IS 'Schools meeting the profile.';
COMMENT ON COLUMN mart.sbi_profile_representative.eligible IS 'Of them, those with enough pupils (min_pupils_per_level).';
