-- mart.peer_group: the municipalities an analyst compares with, by group
-- and membership years (issue 6): the built-in ASSS network (ten until
-- 2021, Asker and Lillestrøm from 2022) and any group of the user's peer
-- group file (docs/peer-groups.md), in today's municipality codes, as the
-- peergroups connector landed them (raw.peer_groups).
CREATE OR REPLACE TABLE mart.peer_group AS
SELECT g.group_code, g.group_name_nb, g.group_name_en, g.municipality_code, m.name AS municipality_name,
       g.from_year, g.to_year, g.source
FROM raw.peer_groups AS g
LEFT JOIN core.municipalities AS m USING (municipality_code)
ORDER BY g.group_code, g.municipality_code, g.from_year NULLS FIRST;

COMMENT ON TABLE mart.peer_group IS 'Peer groups of municipalities with their membership years: the ASSS network (aggregerte styringsdata for samarbeidende storkommuner, KS) and user-defined groups. The macros asss_compare and trend read the asss group.';
COMMENT ON COLUMN mart.peer_group.group_code IS 'The group: asss, or a code of the user''s peer group file.';
COMMENT ON COLUMN mart.peer_group.group_name_nb IS 'Group name in Norwegian.';
COMMENT ON COLUMN mart.peer_group.group_name_en IS 'Group name in English.';
COMMENT ON COLUMN mart.peer_group.municipality_code IS 'Member, in today''s (2024) municipality codes.';
COMMENT ON COLUMN mart.peer_group.municipality_name IS 'Its name today.';
COMMENT ON COLUMN mart.peer_group.from_year IS 'First school year (autumn year) of membership; null when a member from the start.';
COMMENT ON COLUMN mart.peer_group.to_year IS 'Last school year of membership; null when still a member.';
COMMENT ON COLUMN mart.peer_group.source IS 'builtin, or the peer group file it came from.';
