-- Incremental loading of the public sources (issue 3): what each extract
-- step last saw of each stream, and the responses it landed. Both are written
-- in the run that landed the data they describe, so they are published
-- together with it (or not at all).

CREATE TABLE IF NOT EXISTS meta.source_state (
    step_id            VARCHAR NOT NULL,
    stream             VARCHAR NOT NULL,
    connector          VARCHAR NOT NULL,
    checkpoint         BLOB,
    rows               BIGINT NOT NULL,
    last_run_id        VARCHAR NOT NULL,
    last_checked_at    TIMESTAMPTZ NOT NULL,
    last_changed_run_id VARCHAR NOT NULL,
    last_changed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (step_id, stream)
);
COMMENT ON TABLE meta.source_state IS 'Per extract step and stream: the connector''s checkpoint (hashes, ETags, dates of change), when it was last read and when its content last changed.';
COMMENT ON COLUMN meta.source_state.checkpoint IS 'Opaque to the warehouse: the connector reads it back on the next run to fetch only what changed.';

CREATE TABLE IF NOT EXISTS raw.responses (
    run_id        VARCHAR NOT NULL,
    step_id       VARCHAR NOT NULL,
    seq           INTEGER NOT NULL,
    method        VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    parameters    JSON,
    status        INTEGER NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    content_hash  VARCHAR,
    etag          VARCHAR,
    last_modified VARCHAR,
    bytes         BIGINT NOT NULL,
    body          BLOB
);
COMMENT ON TABLE raw.responses IS 'The responses of the public APIs as fetched by the last run of each step that found a change: URL, query parameters, time, SHA-256 of the body, validators, and the body itself.';
