-- Final grades of grade 10: standpunkt and exams.
CREATE OR REPLACE TABLE restricted.grades (
    pupil_id     VARCHAR NOT NULL,
    school_year  INTEGER NOT NULL,
    school_orgnr VARCHAR NOT NULL,
    subject_code VARCHAR NOT NULL,
    grade_type   VARCHAR NOT NULL,
    grade        VARCHAR NOT NULL,
    source_file  VARCHAR NOT NULL,
    source_row   BIGINT  NOT NULL
);
COMMENT ON TABLE restricted.grades IS 'Grade-10 final grades (shared/spec/microdata.md). Personal data: never exported or served.';
