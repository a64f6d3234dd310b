-- National test results from udir's report API, as the udir connector
-- reads them: one row per unit, school year, grade, subject and measure,
-- replaced by every run.
CREATE OR REPLACE TABLE raw.udir_national_tests (
    school_year INTEGER NOT NULL,
    unit_level  VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    unit_name   VARCHAR NOT NULL,
    enhet_id    BIGINT,
    grade       INTEGER NOT NULL,
    subject     VARCHAR NOT NULL,
    measure     VARCHAR NOT NULL,
    value       DOUBLE,
    status      VARCHAR NOT NULL
);
COMMENT ON TABLE raw.udir_national_tests IS 'Nasjonale prøver (reports GSK_NP_Geografisk and GSK_NP_Geo_Trinn5) from https://statistikkportalen.udir.no/api/rapportering, from 2022-23 (new scale). Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN raw.udir_national_tests.school_year IS 'Autumn year of the school year (2024 = 2024-25; SkoleAarID 20242025).';
COMMENT ON COLUMN raw.udir_national_tests.unit_level IS 'county, municipality or school (from the shape of the code).';
COMMENT ON COLUMN raw.udir_national_tests.unit_code IS 'County number, municipality number or school org.nr (the row''s kode).';
COMMENT ON COLUMN raw.udir_national_tests.unit_name IS 'Unit name (navn), trimmed.';
COMMENT ON COLUMN raw.udir_national_tests.enhet_id IS 'udir EnhetID of the unit (the same in every udir report); null when the filter values do not list the code.';
COMMENT ON COLUMN raw.udir_national_tests.grade IS 'Grade of the test: 5, 8 or 9.';
COMMENT ON COLUMN raw.udir_national_tests.subject IS 'english, reading or numeracy (ProevetypeID NPENG, NPLES, NPREG). 9th grade has no English.';
COMMENT ON COLUMN raw.udir_national_tests.measure IS 'scale_score (Skalapoeng, mean, integer), uncertainty (Usikkerhet, margin of the mean) or participants (Antall elever deltatt).';
COMMENT ON COLUMN raw.udir_national_tests.value IS 'The number; null unless status is ok.';
COMMENT ON COLUMN raw.udir_national_tests.status IS 'ok, suppressed ("*": fewer than the minimum took the test), missing ("": nobody did) or not_applicable.';
