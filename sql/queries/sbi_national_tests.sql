-- Input "national_tests" of the school contribution transform: the grade-5
-- and grade-8 tests (outcomes of 1-4 and 5-7, priors of 5-7 and 8-10); the
-- standardisation groups use every participating row of these grades.
SELECT pupil_id, school_year, grade, subject, school_orgnr, status, scale_score
FROM restricted.national_tests
WHERE grade IN (5, 8)
