-- The five schemas of the warehouse (shared/spec/product.md "Warehouse") and
-- the run history. Applied once per warehouse, recorded in
-- meta.schema_migrations.

CREATE SCHEMA IF NOT EXISTS raw;         -- payloads as landed from the sources
CREATE SCHEMA IF NOT EXISTS core;        -- cleaned facts and dimensions
CREATE SCHEMA IF NOT EXISTS mart;        -- what analysts and BI tools use; the only schema exported
CREATE SCHEMA IF NOT EXISTS restricted;  -- pupil-level data: never exported, served or logged
CREATE SCHEMA IF NOT EXISTS meta;        -- runs, steps, source state, data-quality results

CREATE TABLE IF NOT EXISTS meta.runs (
    run_id        VARCHAR PRIMARY KEY,
    pipeline      VARCHAR NOT NULL,
    pipeline_file VARCHAR,
    parameters    JSON,
    started_at    TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ,
    status        VARCHAR NOT NULL,
    error         VARCHAR,
    version       VARCHAR
);
COMMENT ON TABLE meta.runs IS 'Every run of a pipeline against this warehouse, published or not (failed runs are carried in by the next published run).';
COMMENT ON COLUMN meta.runs.status IS 'published, failed or interrupted (the process died before it ended).';
COMMENT ON COLUMN meta.runs.parameters IS 'The pipeline parameters the run used, after --set overrides.';

CREATE TABLE IF NOT EXISTS meta.steps (
    run_id     VARCHAR NOT NULL,
    step_id    VARCHAR NOT NULL,
    attempt    INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,
    uses       VARCHAR,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at   TIMESTAMPTZ,
    status     VARCHAR NOT NULL,
    rows_in    BIGINT,
    rows_out   BIGINT,
    error      VARCHAR,
    PRIMARY KEY (run_id, step_id, attempt)
);
COMMENT ON TABLE meta.steps IS 'Every attempt of every step of every run.';
COMMENT ON COLUMN meta.steps.status IS 'succeeded, failed, or skipped (a dependency failed).';

CREATE TABLE IF NOT EXISTS meta.data_quality (
    run_id     VARCHAR NOT NULL,
    step_id    VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    check_name VARCHAR NOT NULL,
    rows       BIGINT NOT NULL,
    detail     VARCHAR
);
COMMENT ON TABLE meta.data_quality IS 'Counts of rows per data-quality outcome (loaded, quarantined by reason). Never holds row values.';

-- Rows set aside by lenient reading, with the reason. They may hold personal
-- data (the raw values), hence the restricted schema. An extract step replaces
-- the rows of the tables it reads, so this holds the latest quarantine of each
-- table.
CREATE TABLE IF NOT EXISTS restricted.quarantine (
    run_id      VARCHAR NOT NULL,
    table_name  VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row  BIGINT  NOT NULL,
    column_name VARCHAR,
    reason      VARCHAR NOT NULL,
    raw_values  JSON
);
COMMENT ON TABLE restricted.quarantine IS 'Rows quarantined by lenient reading, with file, row, column and reason. Personal data: never exported or served.';
