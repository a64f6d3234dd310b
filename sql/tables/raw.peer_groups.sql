-- Peer groups of municipalities as the peergroups connector reads them: the
-- built-in ASSS network and the groups of the user's YAML file
-- (docs/peer-groups.md), one row per membership. Replaced by every run.
CREATE OR REPLACE TABLE raw.peer_groups (
    group_code        VARCHAR NOT NULL,
    group_name_nb     VARCHAR NOT NULL,
    group_name_en     VARCHAR NOT NULL,
    municipality_code VARCHAR NOT NULL,
    from_year         INTEGER,
    to_year           INTEGER,
    source            VARCHAR NOT NULL
);
COMMENT ON TABLE raw.peer_groups IS 'Peer groups of municipalities, one row per membership: the built-in ASSS network (KS; ten members, Asker and Lillestrøm from 2022) and user-defined groups from a YAML file (docs/peer-groups.md). Municipalities in 2024 codes.';
COMMENT ON COLUMN raw.peer_groups.group_code IS 'The group''s code, [a-z0-9_]+: asss for the built-in ASSS network.';
COMMENT ON COLUMN raw.peer_groups.group_name_nb IS 'The group''s name in Norwegian bokmål.';
COMMENT ON COLUMN raw.peer_groups.group_name_en IS 'The group''s name in English.';
COMMENT ON COLUMN raw.peer_groups.municipality_code IS 'Member municipality, four digits, in the 2024 classification (KLASS 131). Earlier years are shown in today''s municipalities through the crosswalk.';
COMMENT ON COLUMN raw.peer_groups.from_year IS 'First school year of membership by its autumn year (2022 is 2022-23); null when the membership has no start.';
COMMENT ON COLUMN raw.peer_groups.to_year IS 'Last school year of membership by its autumn year; null while it is open.';
COMMENT ON COLUMN raw.peer_groups.source IS 'Where the group was read from: builtin, or the path of the user''s file as the pipeline names it.';
