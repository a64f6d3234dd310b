-- core.schools: the school dimension. Until the NSR connector lands, it comes
-- from the schools file of the microdata folder (no personal data in it).
CREATE OR REPLACE TABLE core.schools AS
SELECT
    school_orgnr,
    trim(name)                  AS name,
    municipality_code,
    left(municipality_code, 2)  AS county_code,
    public,
    grade_from,
    grade_to,
    valid_year
FROM restricted.schools;

COMMENT ON TABLE core.schools IS 'Schools: organisation number, name, municipality and county (in the classification of valid_year), owner type, grades taught.';
COMMENT ON COLUMN core.schools.school_orgnr IS 'Organisation number of the school (9 digits).';
COMMENT ON COLUMN core.schools.name IS 'School name.';
COMMENT ON COLUMN core.schools.municipality_code IS 'Municipality code (4 digits) in the classification of valid_year.';
COMMENT ON COLUMN core.schools.county_code IS 'County code: the first two digits of municipality_code.';
COMMENT ON COLUMN core.schools.public IS 'True for a public (municipal) school, false for a private one.';
COMMENT ON COLUMN core.schools.grade_from IS 'Lowest grade taught.';
COMMENT ON COLUMN core.schools.grade_to IS 'Highest grade taught.';
COMMENT ON COLUMN core.schools.valid_year IS 'Year whose municipality classification the codes follow.';
