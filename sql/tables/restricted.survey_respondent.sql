-- Respondent scores of the survey transform. Personal data: restricted
-- schema only, never exported or served.
CREATE OR REPLACE TABLE restricted.survey_respondent (
    respondent_id  VARCHAR NOT NULL,
    school_year    INTEGER NOT NULL,
    school_orgnr   VARCHAR NOT NULL,
    grade          INTEGER NOT NULL,
    class_id       VARCHAR,
    gender         VARCHAR,
    index_code     VARCHAR NOT NULL,
    items_answered INTEGER NOT NULL,
    score          DOUBLE
);
COMMENT ON TABLE restricted.survey_respondent IS 'Each respondent''s score per index (pupil-level; never exported).';
COMMENT ON COLUMN restricted.survey_respondent.items_answered IS 'Items of the index the respondent answered on the scale.';
COMMENT ON COLUMN restricted.survey_respondent.score IS 'Mean of the answered items, reverse-keyed ones as min+max-a, when at least min_items are answered; for bullying 100 or 0; null when left out.';
