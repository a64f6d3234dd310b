-- The school years of the survey answers, ascending: the survey transform
-- reads survey_input once for each.
SELECT DISTINCT school_year
FROM restricted.survey_responses
ORDER BY school_year
