-- Grunnskolepoeng aggregates, written by the gsp transform
-- (shared/spec/indicators.md §2). Suppressed cells keep no numbers.
CREATE OR REPLACE TABLE core.gsp (
    school_year   INTEGER NOT NULL,
    unit_type     VARCHAR NOT NULL,
    unit_code     VARCHAR NOT NULL,
    subgroup_type VARCHAR NOT NULL,
    subgroup      VARCHAR NOT NULL,
    n             BIGINT,
    mean          DOUBLE,
    sd            DOUBLE,
    status        VARCHAR NOT NULL,
    suppression   VARCHAR
);
COMMENT ON TABLE core.gsp IS 'Grunnskolepoeng (grade points) by school year, unit and subgroup: mean, SD and n of the pupils with points.';
COMMENT ON COLUMN core.gsp.school_year IS 'Autumn year of the school year in which the pupils finished grade 10 (2023 = 2023-24).';
COMMENT ON COLUMN core.gsp.unit_type IS 'school, municipality, county or nation.';
COMMENT ON COLUMN core.gsp.unit_code IS 'Organisation number (school), municipality code, county code, or 0 for the nation.';
COMMENT ON COLUMN core.gsp.subgroup_type IS 'all, gender or owner.';
COMMENT ON COLUMN core.gsp.subgroup IS 'all; G or J (gender); public or private (owner).';
COMMENT ON COLUMN core.gsp.n IS 'Pupils with grunnskolepoeng in the cell; null when the cell is suppressed.';
COMMENT ON COLUMN core.gsp.mean IS 'Mean grunnskolepoeng (10-60), unrounded; null when suppressed.';
COMMENT ON COLUMN core.gsp.sd IS 'Sample standard deviation (n-1) of grunnskolepoeng; null when suppressed or n < 2.';
COMMENT ON COLUMN core.gsp.status IS 'ok or suppressed.';
COMMENT ON COLUMN core.gsp.suppression IS 'Why a cell is suppressed: primary (fewer pupils than the minimum) or secondary (protects another suppressed cell).';
