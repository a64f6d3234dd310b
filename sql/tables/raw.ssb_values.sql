-- Cells of Statistics Norway's tables (PxWebApi v2, json-stat2), as the ssb
-- connector reads them: one row per cell of the configured selections, in
-- long form, replaced by every run.
CREATE OR REPLACE TABLE raw.ssb_values (
    table_id      VARCHAR NOT NULL,
    region        VARCHAR,
    period        VARCHAR,
    contents_code VARCHAR,
    dimensions    VARCHAR NOT NULL,
    value         DOUBLE,
    status        VARCHAR NOT NULL,
    symbol        VARCHAR
);
COMMENT ON TABLE raw.ssb_values IS 'Cells of SSB tables (https://data.ssb.no/api/pxwebapi/v2), e.g. 07459 population, 12255 KOSTRA grunnskole, 11980 pupils by grade. Kilde: Statistisk sentralbyrå.';
COMMENT ON COLUMN raw.ssb_values.table_id IS 'SSB table id, e.g. 07459.';
COMMENT ON COLUMN raw.ssb_values.region IS 'Code of the Region, KOKkommuneregion0000 or KOKfylkesregion0000 variable (0 and EAK = the nation); null when the table has none or it was eliminated.';
COMMENT ON COLUMN raw.ssb_values.period IS 'Code of the time variable (Tid), e.g. 2024; null when absent.';
COMMENT ON COLUMN raw.ssb_values.contents_code IS 'Code of the ContentsCode (metric) variable, e.g. Personer1, KOSgrunnskolepoe0000.';
COMMENT ON COLUMN raw.ssb_values.dimensions IS 'Every variable of the cell with its code, as a JSON object in the table''s variable order, e.g. {"Region":"0301","Kjonn":"2","Alder":"010","ContentsCode":"Personer1","Tid":"2024"}.';
COMMENT ON COLUMN raw.ssb_values.value IS 'The number; null unless status is ok (a suppressed or missing value is never 0).';
COMMENT ON COLUMN raw.ssb_values.status IS 'ok, suppressed (symbol :), missing (..) or not_applicable (.).';
COMMENT ON COLUMN raw.ssb_values.symbol IS 'The status symbol SSB sent for the cell, as sent; null when none.';
