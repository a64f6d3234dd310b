-- The schools of the survey transform (transforms/survey.SchoolsSchema):
-- where each school is, for the municipality, county and nation units.
SELECT school_orgnr, municipality_code
FROM core.schools
