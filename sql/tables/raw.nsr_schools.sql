-- Grunnskoler of the national school register (NSR v4), as the nsr connector
-- reads them: one row per school, replaced by every run.
CREATE OR REPLACE TABLE raw.nsr_schools (
    school_orgnr      VARCHAR NOT NULL,
    name              VARCHAR NOT NULL,
    municipality_code VARCHAR NOT NULL,
    active            BOOLEAN NOT NULL,
    private           BOOLEAN,
    grade_from        INTEGER,
    grade_to          INTEGER,
    date_changed      VARCHAR NOT NULL
);
COMMENT ON TABLE raw.nsr_schools IS 'Grunnskoler in NSR v4 (https://data-nsr.udir.no): list and detail. Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN raw.nsr_schools.school_orgnr IS 'Organisation number (Organisasjonsnummer).';
COMMENT ON COLUMN raw.nsr_schools.name IS 'School name (Navn), trimmed.';
COMMENT ON COLUMN raw.nsr_schools.municipality_code IS 'Municipality number (Kommunenummer).';
COMMENT ON COLUMN raw.nsr_schools.active IS 'ErAktiv.';
COMMENT ON COLUMN raw.nsr_schools.private IS 'ErPrivatskole from the detail; null when details were not read.';
COMMENT ON COLUMN raw.nsr_schools.grade_from IS 'SkoletrinnGSFra from the detail.';
COMMENT ON COLUMN raw.nsr_schools.grade_to IS 'SkoletrinnGSTil from the detail.';
COMMENT ON COLUMN raw.nsr_schools.date_changed IS 'DatoEndret as the API gives it.';
