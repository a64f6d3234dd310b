-- Pupils and their background. Personal data: restricted schema only.
CREATE OR REPLACE TABLE restricted.pupils (
    pupil_id             VARCHAR NOT NULL,
    birth_year           INTEGER NOT NULL,
    gender               VARCHAR NOT NULL,
    immigrant_background VARCHAR NOT NULL,
    parent_education     VARCHAR NOT NULL,
    household_income     BIGINT,
    source_file          VARCHAR NOT NULL,
    source_row           BIGINT  NOT NULL
);
COMMENT ON TABLE restricted.pupils IS 'Pupil background (shared/spec/microdata.md). Personal data: never exported or served.';
