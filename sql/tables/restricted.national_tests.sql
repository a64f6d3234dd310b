-- National test results, grades 5, 8 and 9.
CREATE OR REPLACE TABLE restricted.national_tests (
    pupil_id     VARCHAR NOT NULL,
    school_year  INTEGER NOT NULL,
    grade        INTEGER NOT NULL,
    subject      VARCHAR NOT NULL,
    school_orgnr VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,
    scale_score  DOUBLE,
    source_file  VARCHAR NOT NULL,
    source_row   BIGINT  NOT NULL
);
COMMENT ON TABLE restricted.national_tests IS 'National test results (shared/spec/microdata.md). Personal data: never exported or served.';
