-- The school of each pupil on 1 October of each school year.
CREATE OR REPLACE TABLE restricted.enrolments (
    pupil_id     VARCHAR NOT NULL,
    school_year  INTEGER NOT NULL,
    grade        INTEGER NOT NULL,
    school_orgnr VARCHAR NOT NULL,
    source_file  VARCHAR NOT NULL,
    source_row   BIGINT  NOT NULL
);
COMMENT ON TABLE restricted.enrolments IS 'Enrolments (shared/spec/microdata.md). Personal data: never exported or served.';
