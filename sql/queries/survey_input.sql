-- Input of the survey transform (transforms/survey.ResponsesSchema): the
-- answers of one school year ($1), each respondent's rows together, as the
-- transform requires to keep its memory to one year's respondents. The
-- transform runs it once per year of survey_years, so DuckDB sorts a year
-- at a time (sorting all years at once took 20 GB at Norway's size).
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
WHERE school_year = $1
ORDER BY respondent_id, source_file, source_row
