-- Grunnskolepoeng from udir's report API, as the udir connector reads
-- them: one row per unit, school year and measure, replaced by every run.
CREATE OR REPLACE TABLE raw.udir_grade_points (
    school_year INTEGER NOT NULL,
    unit_level  VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    unit_name   VARCHAR NOT NULL,
    enhet_id    BIGINT,
    measure     VARCHAR NOT NULL,
    value       DOUBLE,
    status      VARCHAR NOT NULL
);
COMMENT ON TABLE raw.udir_grade_points IS 'Grunnskolepoeng (report GSK_GSPoeng) from https://statistikkportalen.udir.no/api/rapportering. Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN raw.udir_grade_points.school_year IS 'Autumn year of the school year the pupils left 10th grade (2024 = 2024-25; TidID 202506).';
COMMENT ON COLUMN raw.udir_grade_points.unit_level IS 'county, municipality or school (from the shape of the code).';
COMMENT ON COLUMN raw.udir_grade_points.unit_code IS 'County number, municipality number or school org.nr (the row''s kode).';
COMMENT ON COLUMN raw.udir_grade_points.unit_name IS 'Unit name (navn), trimmed.';
COMMENT ON COLUMN raw.udir_grade_points.enhet_id IS 'udir EnhetID of the unit (the same in every udir report); null when the filter values do not list the code.';
COMMENT ON COLUMN raw.udir_grade_points.measure IS 'grade_points (Grunnskolepoeng, mean of the pupils'' points, one decimal) or pupils (Antall elever with points).';
COMMENT ON COLUMN raw.udir_grade_points.value IS 'The number; null unless status is ok.';
COMMENT ON COLUMN raw.udir_grade_points.status IS 'ok, suppressed ("*": too few pupils) or missing ("": no pupils with points).';
