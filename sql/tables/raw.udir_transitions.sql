-- The transitions from grunnskole to upper secondary (table OvergangerG
-- of udir's report API) as the udir connector reads them: its report
-- pages are found by discovery (their code is not known) and landed
-- generically, since their header labels are not known either: one row
-- per page, year, unit and header column, replaced by every run. The
-- same columns as raw.udir_school_contribution, which the same discovery
-- fills. Absent (not created) when udir lists no such page.
CREATE OR REPLACE TABLE raw.udir_transitions (
    school_year INTEGER,
    year_id     BIGINT  NOT NULL,
    year_name   VARCHAR NOT NULL,
    unit_level  VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    unit_name   VARCHAR NOT NULL,
    enhet_id    BIGINT,
    report      VARCHAR NOT NULL,
    "columns"   VARCHAR NOT NULL, -- quoted: DuckDB has a COLUMNS(...) expression
    measure     VARCHAR NOT NULL,
    value       DOUBLE,
    status      VARCHAR NOT NULL,
    raw         VARCHAR NOT NULL
);
COMMENT ON TABLE raw.udir_transitions IS 'Transitions from grunnskole to upper secondary (overganger), table OvergangerG of https://statistikkportalen.udir.no/api/rapportering, from every grunnskole report page whose data are that table (found through GET rest/v1/Rapportside), all other filters at the page''s defaults. Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN raw.udir_transitions.school_year IS 'Autumn year of the school year of the year filter value (TidID 202406 = 2023-24, the school year whose grade 10 ends in spring 2024; SkoleAarID 20232024 = 2023-24), when its name is that school year; null otherwise (see year_id and year_name).';
COMMENT ON COLUMN raw.udir_transitions.year_id IS 'The year filter value asked for (TidID or SkoleAarID, whichever the page takes).';
COMMENT ON COLUMN raw.udir_transitions.year_name IS 'The name of the year filter value, as udir gives it (without a "Foreløpige tall " prefix).';
COMMENT ON COLUMN raw.udir_transitions.unit_level IS 'county, municipality or school (from the shape of the code).';
COMMENT ON COLUMN raw.udir_transitions.unit_code IS 'County number, municipality number or school org.nr (the row''s kode).';
COMMENT ON COLUMN raw.udir_transitions.unit_name IS 'Unit name (navn), trimmed.';
COMMENT ON COLUMN raw.udir_transitions.enhet_id IS 'udir EnhetID of the unit (the same in every udir report); null when the filter values do not list the code.';
COMMENT ON COLUMN raw.udir_transitions.report IS 'Rapportside code of the page the row was read from (found, not configured).';
COMMENT ON COLUMN raw.udir_transitions."columns" IS 'The column''s header names below the year, outermost first, trimmed, as a JSON array (the emulator''s invented labels: ["Andel direkte til videregående"] and ["Antall elever"]); the last is measure.';
COMMENT ON COLUMN raw.udir_transitions.measure IS 'The innermost header name of the column, as udir gives it (trimmed); the labels are not known in advance.';
COMMENT ON COLUMN raw.udir_transitions.value IS 'The number (a share in percent as sent, not a fraction); null unless status is ok.';
COMMENT ON COLUMN raw.udir_transitions.status IS 'ok, suppressed ("*"), missing ("": no data), not_applicable (".") or label (a text that is not a number: see raw).';
COMMENT ON COLUMN raw.udir_transitions.raw IS 'The cell as udir sent it (decimal comma, space thousands).';
