-- Input of the grunnskolepoeng transform (transforms/gsp.InputSchema): every
-- grade-10 final grade with the pupil's gender and the awarding school's
-- owner type, municipality and county.
SELECT
    g.pupil_id,
    g.school_year,
    g.school_orgnr,
    g.subject_code,
    g.grade_type,
    g.grade,
    p.gender,
    s.public,
    s.municipality_code,
    s.county_code
FROM restricted.grades AS g
JOIN restricted.pupils AS p USING (pupil_id)
JOIN core.schools AS s USING (school_orgnr)
