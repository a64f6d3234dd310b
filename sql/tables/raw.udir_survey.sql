-- Elevundersøkelsen from udir's Eksport API, as the udir_survey connector
-- reads it: one row per unit, school year, table, grade, owner, gender,
-- measure and statistic, replaced by every run.
CREATE OR REPLACE TABLE raw.udir_survey (
    school_year   INTEGER NOT NULL,
    table_id      INTEGER NOT NULL,
    table_kind    VARCHAR NOT NULL,
    unit_level    VARCHAR NOT NULL,
    unit_code     VARCHAR NOT NULL,
    unit_name     VARCHAR NOT NULL,
    enhet_id      BIGINT,
    programme     VARCHAR,
    grade         INTEGER,
    owner         VARCHAR NOT NULL,
    gender        VARCHAR NOT NULL,
    measure_code  VARCHAR NOT NULL,
    measure_group VARCHAR,
    statistic     VARCHAR NOT NULL,
    value         DOUBLE,
    status        VARCHAR NOT NULL
);
COMMENT ON TABLE raw.udir_survey IS 'Elevundersøkelsen (tables 148 indicators, 150 bullying, 151 participation; 152/154/155 for upper secondary) from https://api.statistikkbanken.udir.no/api/rest/v2/Eksport. Key: school_year, table_id, unit_level, unit_code, programme, grade, owner, gender, measure_code, statistic. Kilde: Utdanningsdirektoratet.';
COMMENT ON COLUMN raw.udir_survey.school_year IS 'Autumn year of the survey''s school year (2024 = 2024-25; TidID 202412), checked against Skoleaarnavn.';
COMMENT ON COLUMN raw.udir_survey.table_id IS 'EksportID of the table the row came from (148, 150, 151, ...).';
COMMENT ON COLUMN raw.udir_survey.table_kind IS 'indicator (Score), bullying (AndelMobbet) or participation (AndelDeltatt): told by the table''s fields, not its id or description.';
COMMENT ON COLUMN raw.udir_survey.unit_level IS 'nation, county, municipality or school (EnhetNivaa: 1-4 in grunnskole tables, 1-3 in upper secondary ones).';
COMMENT ON COLUMN raw.udir_survey.unit_code IS '"I" for the nation, county number, municipality number or school org.nr (the row''s Organisasjonsnummer).';
COMMENT ON COLUMN raw.udir_survey.unit_name IS 'Name of the unit (Nasjonalt, Fylke, Kommune, or EnhetNavn for a school), trimmed.';
COMMENT ON COLUMN raw.udir_survey.enhet_id IS 'udir EnhetID of the unit (the same in every udir table and report); null when the filter values do not list the code.';
COMMENT ON COLUMN raw.udir_survey.programme IS 'Upper secondary: Utdanningsprogramkode; null for grunnskole.';
COMMENT ON COLUMN raw.udir_survey.grade IS 'Grade (TrinnKode: 5-10, 11-13 for Vg1-3); null for all grades.';
COMMENT ON COLUMN raw.udir_survey.owner IS 'all, public (offentlig skole) or private (privat eiet); all unless the step asks for the breakdown.';
COMMENT ON COLUMN raw.udir_survey.gender IS 'all, G (boys) or J (girls); all unless the step asks for the breakdown, and always all in participation tables.';
COMMENT ON COLUMN raw.udir_survey.measure_code IS 'Spoersmaalkode: an index (EUIndeks_1379 Trivsel, EUIndeks_1398 Mobbing, ...) or a question (EUSpoersmaal_Q11811, ...); "participation" for participation tables.';
COMMENT ON COLUMN raw.udir_survey.measure_group IS 'Spoersmaalgruppe, or Indikator in newer responses: the index a question belongs to; null for participation.';
COMMENT ON COLUMN raw.udir_survey.statistic IS 'score (mean 1-5), sd, answered (respondents), share_answer_1..5 and answered_answer_1..5 (questions), share_bullied (0-100; also the Score of EUIndeks_1398), share_participated (0-100), invited.';
COMMENT ON COLUMN raw.udir_survey.value IS 'The number; null unless status is ok. Never 0 for a suppressed value.';
COMMENT ON COLUMN raw.udir_survey.status IS 'ok, suppressed ("*": too few respondents) or missing ("", "-" or null).';
