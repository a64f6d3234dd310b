-- Absence of 10th grade pupils, as on the diploma, from udir's report
-- API, as the udir connector reads it: one row per unit, school year and
-- measure, replaced by every run.
CREATE OR REPLACE TABLE raw.udir_absence (
    school_year INTEGER NOT NULL,
    unit_level  VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    unit_name   VARCHAR NOT NULL,
    enhet_id    BIGINT,
    measure     VARCHAR NOT NULL,
    value       DOUBLE,
    status      VARCHAR NOT NULL
);
COMMENT ON TABLE raw.udir_absence IS 'Fravær i grunnskole (report GSK_fravaer, 10th grade) from https://statistikkportalen.udir.no/api/rapportering. Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN raw.udir_absence.school_year IS 'Autumn year of the school year (2024 = 2024-25; TidID 202506).';
COMMENT ON COLUMN raw.udir_absence.unit_level IS 'county, municipality or school (from the shape of the code).';
COMMENT ON COLUMN raw.udir_absence.unit_code IS 'County number, municipality number or school org.nr (the row''s kode).';
COMMENT ON COLUMN raw.udir_absence.unit_name IS 'Unit name (navn), trimmed.';
COMMENT ON COLUMN raw.udir_absence.enhet_id IS 'udir EnhetID of the unit (the same in every udir report); null when the filter values do not list the code.';
COMMENT ON COLUMN raw.udir_absence.measure IS 'median_days, median_hours, mean_days, mean_hours (Median/Snitt dager/timer) or pupils (Antall elever).';
COMMENT ON COLUMN raw.udir_absence.value IS 'The number; null unless status is ok.';
COMMENT ON COLUMN raw.udir_absence.status IS 'ok, suppressed ("*": too few pupils) or missing ("": no data).';
