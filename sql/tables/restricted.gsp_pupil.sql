-- Grunnskolepoeng per pupil, written by the gsp transform. Personal data.
CREATE OR REPLACE TABLE restricted.gsp_pupil (
    pupil_id           VARCHAR NOT NULL,
    school_year        INTEGER NOT NULL,
    school_orgnr       VARCHAR NOT NULL,
    gender             VARCHAR NOT NULL,
    public             BOOLEAN NOT NULL,
    municipality_code  VARCHAR NOT NULL,
    county_code        VARCHAR NOT NULL,
    n_subjects         INTEGER NOT NULL,
    n_subjects_numeric INTEGER NOT NULL,
    n_grades_numeric   INTEGER NOT NULL,
    sum_grades         INTEGER NOT NULL,
    gsp                DOUBLE,
    excluded_reason    VARCHAR
);
COMMENT ON TABLE restricted.gsp_pupil IS 'Grunnskolepoeng per pupil and the reason when a pupil gets none. Personal data: never exported or served.';
