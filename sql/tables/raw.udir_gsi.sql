-- Pupils and schools (GSI, Elever og skoler) from udir's report API, as
-- the udir connector reads them: one row per unit, school year and
-- measure, replaced by every run.
CREATE OR REPLACE TABLE raw.udir_gsi (
    school_year INTEGER NOT NULL,
    unit_level  VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    unit_name   VARCHAR NOT NULL,
    enhet_id    BIGINT,
    measure     VARCHAR NOT NULL,
    value       DOUBLE,
    status      VARCHAR NOT NULL
);
COMMENT ON TABLE raw.udir_gsi IS 'GSI Elever og skoler (report GSK_Elev_Skol, all grades, genders and owners) from https://statistikkportalen.udir.no/api/rapportering. Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN raw.udir_gsi.school_year IS 'Autumn year of the school year, counted on 1 October (2025 = 2025-26; TidID 202510).';
COMMENT ON COLUMN raw.udir_gsi.unit_level IS 'county, municipality or school (from the shape of the code).';
COMMENT ON COLUMN raw.udir_gsi.unit_code IS 'County number, municipality number or school org.nr (the row''s kode).';
COMMENT ON COLUMN raw.udir_gsi.unit_name IS 'Unit name (navn), trimmed.';
COMMENT ON COLUMN raw.udir_gsi.enhet_id IS 'udir EnhetID of the unit (the same in every udir report); null when the filter values do not list the code.';
COMMENT ON COLUMN raw.udir_gsi.measure IS 'pupils (Antall elever), pupils_special_education (individuelt tilrettelagt opplæring/spesialundervisning), pupils_adapted_norwegian (forsterket opplæring i norsk) or schools (Antall skoler).';
COMMENT ON COLUMN raw.udir_gsi.value IS 'The number; null unless status is ok.';
COMMENT ON COLUMN raw.udir_gsi.status IS 'ok, suppressed ("*": a small count withheld) or missing ("": no data).';
