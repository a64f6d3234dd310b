-- Survey indices by unit, written by the survey transform
-- (shared/spec/indicators.md §3). Suppressed cells keep no numbers.
CREATE OR REPLACE TABLE core.survey_indices (
    school_year INTEGER NOT NULL,
    unit_type   VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    grade       VARCHAR NOT NULL,
    gender      VARCHAR NOT NULL,
    index_code  VARCHAR NOT NULL,
    n           BIGINT,
    mean        DOUBLE,
    sd          DOUBLE,
    status      VARCHAR NOT NULL,
    suppression VARCHAR
);
COMMENT ON TABLE core.survey_indices IS 'Survey indices (codebook indices and the bullying share) by school year, unit, grade and gender, computed from item-level answers: mean of the respondents'' scores, sample SD and n.';
COMMENT ON COLUMN core.survey_indices.school_year IS 'Autumn year of the survey''s school year (2024 = 2024-25).';
COMMENT ON COLUMN core.survey_indices.unit_type IS 'class, school, municipality, county or nation.';
COMMENT ON COLUMN core.survey_indices.unit_code IS 'ORGNR/CLASS_ID for a class, the organisation number for a school, municipality code, county code, or 0 for the nation.';
COMMENT ON COLUMN core.survey_indices.grade IS 'all, or the grade (e.g. 7).';
COMMENT ON COLUMN core.survey_indices.gender IS 'all, G (boys) or J (girls); respondents without a gender count in all only.';
COMMENT ON COLUMN core.survey_indices.index_code IS 'The codebook''s index code (e.g. EUIndeks_1379 Trivsel), or the bullying index (EUIndeks_1398).';
COMMENT ON COLUMN core.survey_indices.n IS 'Respondents with a score (for bullying: who answered a bullying item); null when suppressed.';
COMMENT ON COLUMN core.survey_indices.mean IS 'Mean of the respondents'' scores on the index''s scale; for bullying the share 0-100 answering at or above the threshold; null when suppressed.';
COMMENT ON COLUMN core.survey_indices.sd IS 'Sample standard deviation (n-1) of the scores; null when suppressed or n = 1.';
COMMENT ON COLUMN core.survey_indices.status IS 'ok, or suppressed: fewer respondents than the codebook''s min_respondents, or suppressed to protect such a cell.';
COMMENT ON COLUMN core.survey_indices.suppression IS 'Why a cell is suppressed: primary (fewer respondents than the minimum) or secondary (it would reveal another suppressed cell by subtraction); null when published.';
