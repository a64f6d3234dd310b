-- Mean standpunkt and written exam grades of 10th grade per subject from
-- udir's report API, as the udir connector reads them: one row per unit,
-- school year, subject, grade type and measure, replaced by every run.
CREATE OR REPLACE TABLE raw.udir_grades (
    school_year  INTEGER NOT NULL,
    unit_level   VARCHAR NOT NULL,
    unit_code    VARCHAR NOT NULL,
    unit_name    VARCHAR NOT NULL,
    enhet_id     BIGINT,
    subject_code VARCHAR NOT NULL,
    subject_name VARCHAR NOT NULL,
    grade_type   VARCHAR NOT NULL,
    measure      VARCHAR NOT NULL,
    value        DOUBLE,
    status       VARCHAR NOT NULL
);
COMMENT ON TABLE raw.udir_grades IS 'Karakterer grunnskole (report GSK_GSKarakterer) from https://statistikkportalen.udir.no/api/rapportering. Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN raw.udir_grades.school_year IS 'Autumn year of the school year of the grades (2024 = 2024-25; TidID 202506).';
COMMENT ON COLUMN raw.udir_grades.unit_level IS 'county, municipality or school (from the shape of the code).';
COMMENT ON COLUMN raw.udir_grades.unit_code IS 'County number, municipality number or school org.nr (the row''s kode).';
COMMENT ON COLUMN raw.udir_grades.unit_name IS 'Unit name (navn), trimmed.';
COMMENT ON COLUMN raw.udir_grades.enhet_id IS 'udir EnhetID of the unit (the same in every udir report); null when the filter values do not list the code.';
COMMENT ON COLUMN raw.udir_grades.subject_code IS 'Subject (FagID kode), e.g. MAT0015.';
COMMENT ON COLUMN raw.udir_grades.subject_name IS 'Subject name (FagID navn), trimmed.';
COMMENT ON COLUMN raw.udir_grades.grade_type IS 'standpunkt (KaraktertypeID 1) or written_exam (KaraktertypeID 3, skriftlig eksamen).';
COMMENT ON COLUMN raw.udir_grades.measure IS 'mean_grade (Snittkarakter, one decimal, scale 1-6) or pupils (Antall elever with a numeric grade).';
COMMENT ON COLUMN raw.udir_grades.value IS 'The number; null unless status is ok.';
COMMENT ON COLUMN raw.udir_grades.status IS 'ok, suppressed ("*": too few pupils) or missing ("": no grades).';
