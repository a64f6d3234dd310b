-- Input "effects" of the profiles and stability transforms
-- (transforms/profile): every published school effect of the fixed model
-- (the official indicators' kind). Suppressed schools are left out: their
-- numbers are not published, so no profile may rest on them.
SELECT level, window_label, school_orgnr, n_pupils, effect_z, se, outcome_z
FROM core.sbi_school
WHERE model = 'fixed' AND status = 'ok'
