-- Input "pupils" of the school contribution transform (transforms/sbi):
-- every pupil's background, in the microdata contract's columns.
SELECT pupil_id, birth_year, gender, immigrant_background, parent_education, household_income
FROM restricted.pupils
