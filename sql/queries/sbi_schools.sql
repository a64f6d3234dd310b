-- Input "schools" of the school contribution transform: each school's
-- municipality and owner type, for the aggregates (municipality: public
-- schools only).
SELECT school_orgnr, municipality_code, public
FROM core.schools
