-- Schools from the microdata folder (a stand-in for the NSR connector).
CREATE OR REPLACE TABLE restricted.schools (
    school_orgnr      VARCHAR NOT NULL,
    name              VARCHAR NOT NULL,
    municipality_code VARCHAR NOT NULL,
    public            BOOLEAN NOT NULL,
    grade_from        INTEGER NOT NULL,
    grade_to          INTEGER NOT NULL,
    valid_year        INTEGER NOT NULL,
    source_file       VARCHAR NOT NULL,
    source_row        BIGINT  NOT NULL
);
COMMENT ON TABLE restricted.schools IS 'Schools as read from the microdata folder (shared/spec/microdata.md).';
COMMENT ON COLUMN restricted.schools.source_file IS 'File the row was read from, relative to the microdata folder.';
COMMENT ON COLUMN restricted.schools.source_row IS '1-based data row in source_file (the CSV header is not a row).';
