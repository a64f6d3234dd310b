-- What the survey transform set aside or did not know: answers off their
-- scale (lenient) and item codes no index of the codebook has. Kept in the
-- restricted schema, since a location can point at a respondent's row.
CREATE OR REPLACE TABLE restricted.survey_issues (
    kind      VARCHAR NOT NULL,
    item_code VARCHAR NOT NULL,
    rows      BIGINT  NOT NULL,
    location  VARCHAR,
    detail    VARCHAR
);
COMMENT ON TABLE restricted.survey_issues IS 'Survey answers set aside (rejected_answer) and item codes the codebook does not know (unknown_item), with how many rows.';
