-- Input "enrolments" of the school contribution transform: the enrolments
-- in the attribution grades (4, 7 and 10) only; no other grade is read.
SELECT pupil_id, school_year, grade, school_orgnr
FROM restricted.enrolments
WHERE grade IN (4, 7, 10)
