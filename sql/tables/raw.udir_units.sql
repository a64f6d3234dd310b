-- udir's units (EnhetID) as the udir connector reads them from the filter
-- values of its reports: the nation, counties, municipalities and schools,
-- each with its parent. One row per EnhetID, replaced by every run.
CREATE OR REPLACE TABLE raw.udir_units (
    enhet_id        BIGINT  NOT NULL,
    kode            VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,
    level           VARCHAR NOT NULL,
    nivaa           INTEGER NOT NULL,
    parent_enhet_id BIGINT,
    abroad          BOOLEAN NOT NULL,
    restricted      BOOLEAN NOT NULL,
    reports         VARCHAR NOT NULL
);
COMMENT ON TABLE raw.udir_units IS 'udir''s units (EnhetID, the same in every udir report and the Eksport API) from the filterVerdier of the report API: nation, counties, municipalities, schools. Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN raw.udir_units.enhet_id IS 'EnhetID: negative for aggregates (Hele landet -12, Utlandet -13, counties, municipalities), positive for schools.';
COMMENT ON COLUMN raw.udir_units.kode IS 'I for Hele landet, U for Utlandet, county number, municipality number, or the school''s org.nr (U and 8 digits for schools abroad).';
COMMENT ON COLUMN raw.udir_units.name IS 'Name, trimmed.';
COMMENT ON COLUMN raw.udir_units.level IS 'nation, county, municipality or school.';
COMMENT ON COLUMN raw.udir_units.nivaa IS 'nivaa as udir sends it (1 nation to 4 school in the grunnskole reports).';
COMMENT ON COLUMN raw.udir_units.parent_enhet_id IS 'EnhetID of the unit above (a school''s municipality); null for the nation and Utlandet.';
COMMENT ON COLUMN raw.udir_units.abroad IS 'True for Utlandet and what is under it.';
COMMENT ON COLUMN raw.udir_units.restricted IS 'erBegrenset as udir sends it.';
COMMENT ON COLUMN raw.udir_units.reports IS 'The reports whose filter values list the unit, as a JSON array.';
