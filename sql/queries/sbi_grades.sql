-- Input "grades" of the school contribution transform: the written exam
-- grades (the outcome of 8-10); standpunkt and oral grades are not read.
SELECT pupil_id, school_year, school_orgnr, subject_code, grade_type, grade
FROM restricted.grades
WHERE grade_type = 'written_exam'
