-- Pupil survey answers, one row per respondent and item.
CREATE OR REPLACE TABLE restricted.survey_responses (
    respondent_id VARCHAR NOT NULL,
    school_year   INTEGER NOT NULL,
    school_orgnr  VARCHAR NOT NULL,
    grade         INTEGER NOT NULL,
    class_id      VARCHAR,
    gender        VARCHAR,
    item_code     VARCHAR NOT NULL,
    answer        INTEGER,
    source_file   VARCHAR NOT NULL,
    source_row    BIGINT  NOT NULL
);
COMMENT ON TABLE restricted.survey_responses IS 'Survey answers (shared/spec/microdata.md). Personal data: never exported or served.';
