-- Input of the survey transform (transforms/survey.ResponsesSchema): every
-- answer, each year's rows together and each respondent's rows together,
-- as the transform requires to keep its memory to one year's respondents.
SELECT
    respondent_id,
    school_year,
    school_orgnr,
    grade,
    class_id,
    gender,
    item_code,
    answer,
    source_file,   -- for messages only: the transform names bad input by file and row
    source_row
FROM restricted.survey_responses
ORDER BY school_year, respondent_id, source_file, source_row
