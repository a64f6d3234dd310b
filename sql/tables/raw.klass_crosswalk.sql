-- Each version's codes followed through KLASS's change table to the codes
-- of the newest version: how to show a series in today's municipalities.
CREATE OR REPLACE TABLE raw.klass_crosswalk (
    classification  INTEGER NOT NULL,
    from_version_id INTEGER NOT NULL,
    from_code       VARCHAR NOT NULL,
    to_version_id   INTEGER NOT NULL,
    to_code         VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL
);
COMMENT ON TABLE raw.klass_crosswalk IS 'From a version''s codes to the newest version''s, through the KLASS change table. Kilde: Statistisk sentralbyrå.';
COMMENT ON COLUMN raw.klass_crosswalk.kind IS 'same, renumbered, merged (several codes into one) or split (one code into several: figures cannot be carried over without weights).';
