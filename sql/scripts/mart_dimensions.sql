-- The analyst's dimensions (issue 6): schools from the national school
-- register, and municipalities and counties with the years their codes
-- were valid and the codes they became in today's classification. Run in
-- the nightly run's analyst step, after the public sources.

-- mart.municipality: one row per code of every classification version
-- fetched (SSB KLASS 131), with its validity, its county, and the code(s)
-- it became today (the crosswalk: same, renumbered, merged into, split
-- into).
CREATE OR REPLACE TABLE mart.municipality AS
WITH became AS (
    SELECT version_id, from_code, string_agg(to_code, ',' ORDER BY to_code) AS today_codes, any_value(kind) AS kind
    FROM core.municipality_crosswalk
    GROUP BY version_id, from_code
)
SELECT
    v.municipality_code,
    v.name,
    v.county_code,
    year(v.valid_from)                    AS valid_from_year,
    year(v.valid_to) - 1                  AS valid_to_year,
    v.valid_to IS NULL                    AS current,
    CASE WHEN v.valid_to IS NULL THEN v.municipality_code ELSE b.today_codes END AS today_codes,
    CASE WHEN v.valid_to IS NULL THEN 'current' ELSE coalesce(b.kind, 'not_followed') END AS change_kind,
    v.version_name
FROM core.municipality_versions AS v
LEFT JOIN became AS b ON b.version_id = v.version_id AND b.from_code = v.municipality_code
ORDER BY v.municipality_code, valid_from_year;

COMMENT ON TABLE mart.municipality IS 'Municipalities by classification version (SSB KLASS 131): code, name, county, the years the code was valid, and the code(s) it became in today''s classification, so a series across the 2020 and 2024 reforms can be read in today''s municipalities (mart.municipality_figures does that). Kilde: Statistisk sentralbyrå.';
COMMENT ON COLUMN mart.municipality.municipality_code IS 'The municipality code in its version.';
COMMENT ON COLUMN mart.municipality.name IS 'Its name in that version.';
COMMENT ON COLUMN mart.municipality.county_code IS 'Its county in that version.';
COMMENT ON COLUMN mart.municipality.valid_from_year IS 'First calendar year of the version.';
COMMENT ON COLUMN mart.municipality.valid_to_year IS 'Last calendar year of the version; null for today''s.';
COMMENT ON COLUMN mart.municipality.current IS 'True for today''s classification.';
COMMENT ON COLUMN mart.municipality.today_codes IS 'The code(s) it became today, comma-separated (several: it was split).';
COMMENT ON COLUMN mart.municipality.change_kind IS 'current, same, renumbered, merged (into a bigger one), split, or not_followed (the change table did not say).';
COMMENT ON COLUMN mart.municipality.version_name IS 'The classification version, e.g. Kommuneinndeling 2020.';

-- mart.county: the counties of each version, from their municipalities.
CREATE OR REPLACE TABLE mart.county AS
SELECT county_code, valid_from_year, valid_to_year, current, count(*) AS municipalities
FROM mart.municipality
GROUP BY ALL
ORDER BY county_code, valid_from_year;

COMMENT ON TABLE mart.county IS 'Counties (fylker) by classification version, as the municipality codes give them (the first two digits), with their number of municipalities.';
COMMENT ON COLUMN mart.county.county_code IS 'County code.';
COMMENT ON COLUMN mart.county.valid_from_year IS 'First calendar year of the version.';
COMMENT ON COLUMN mart.county.valid_to_year IS 'Last calendar year; null for today''s.';
COMMENT ON COLUMN mart.county.current IS 'True for today''s counties.';
COMMENT ON COLUMN mart.county.municipalities IS 'Municipalities of the county in that version.';

-- mart.school: every primary or lower-secondary school of the national
-- school register (NSR), public and private, with the grades it teaches.
CREATE OR REPLACE TABLE mart.school AS
SELECT
    n.school_orgnr,
    n.name,
    n.municipality_code,
    left(n.municipality_code, 2)                 AS county_code,
    CASE WHEN n.private THEN 'private' ELSE 'public' END AS owner,
    n.grade_from,
    n.grade_to,
    n.active,
    s.school_orgnr IS NOT NULL                    AS in_microdata
FROM raw.nsr_schools AS n
LEFT JOIN (SELECT DISTINCT school_orgnr FROM core.schools) AS s USING (school_orgnr)
ORDER BY n.school_orgnr;

COMMENT ON TABLE mart.school IS 'Primary and lower-secondary schools of the national school register (NSR): name, municipality, owner, grades taught, whether active, and whether the microdata hold it. Kilde: Utdanningsdirektoratet (NSR).';
COMMENT ON COLUMN mart.school.school_orgnr IS 'Organisation number.';
COMMENT ON COLUMN mart.school.name IS 'School name in NSR.';
COMMENT ON COLUMN mart.school.municipality_code IS 'Municipality of the school in NSR (today''s codes).';
COMMENT ON COLUMN mart.school.county_code IS 'County: the first two digits of the municipality code.';
COMMENT ON COLUMN mart.school.owner IS 'public (municipal) or private.';
COMMENT ON COLUMN mart.school.grade_from IS 'Lowest grade taught.';
COMMENT ON COLUMN mart.school.grade_to IS 'Highest grade taught.';
COMMENT ON COLUMN mart.school.active IS 'Whether NSR lists the school as active.';
COMMENT ON COLUMN mart.school.in_microdata IS 'Whether the pupil-level microdata hold the school (and so its computed indicators).';
