-- Codes of every version of a KLASS classification valid since the step's
-- `from` date, as the klass connector reads them (131: municipalities).
CREATE OR REPLACE TABLE raw.klass_codes (
    classification INTEGER NOT NULL,
    version_id     INTEGER NOT NULL,
    version_name   VARCHAR NOT NULL,
    valid_from     DATE    NOT NULL,
    valid_to       DATE,
    code           VARCHAR NOT NULL,
    name           VARCHAR NOT NULL
);
COMMENT ON TABLE raw.klass_codes IS 'KLASS classification codes by version (https://data.ssb.no/api/klass/v1). Kilde: Statistisk sentralbyrå.';
COMMENT ON COLUMN raw.klass_codes.valid_to IS 'First day the version no longer holds; null while it is current.';
