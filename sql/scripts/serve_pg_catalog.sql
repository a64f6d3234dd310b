-- Catalog views for skolestat serve's PostgreSQL endpoint, created in the
-- served copy of mart (internal/warehouse.Served) and read in place of
-- pg_catalog's by the statements internal/pgserver rewrites (compat.go).
-- Not a pipeline script: nothing here is in the published warehouse.

-- pg_compat.pg_attribute: DuckDB's pg_catalog.pg_attribute gives DuckDB's
-- own type ids as atttypid (13 for INTEGER, 23 for DOUBLE), which clash
-- with PostgreSQL's type oids in pg_catalog.pg_type (23 is int4), so the
-- JDBC driver listed DOUBLE columns as int4 and left out the others. Here
-- atttypid is the PostgreSQL oid of the type the endpoint sends.
CREATE SCHEMA pg_compat;
CREATE VIEW pg_compat.pg_attribute AS
SELECT a.* REPLACE (
    CASE
        WHEN c.data_type IS NULL THEN a.atttypid
        WHEN c.data_type = 'BOOLEAN' THEN 16
        WHEN c.data_type IN ('TINYINT', 'SMALLINT', 'UTINYINT') THEN 21
        WHEN c.data_type IN ('INTEGER', 'USMALLINT') THEN 23
        WHEN c.data_type IN ('BIGINT', 'UINTEGER') THEN 20
        WHEN c.data_type IN ('UBIGINT', 'HUGEINT', 'UHUGEINT') OR c.data_type LIKE 'DECIMAL%' THEN 1700
        WHEN c.data_type = 'FLOAT' THEN 700
        WHEN c.data_type = 'DOUBLE' THEN 701
        WHEN c.data_type = 'DATE' THEN 1082
        WHEN c.data_type = 'TIMESTAMP WITH TIME ZONE' THEN 1184
        WHEN c.data_type LIKE 'TIMESTAMP%' THEN 1114
        WHEN c.data_type = 'INTERVAL' THEN 1186
        WHEN c.data_type = 'BLOB' THEN 17
        ELSE 1043
    END AS atttypid)
FROM pg_catalog.pg_attribute AS a
LEFT JOIN duckdb_columns() AS c ON c.table_oid = a.attrelid AND c.column_index = a.attnum;

-- pg_compat.format_type(type oid, typmod): PostgreSQL's name of a type, as
-- format_type gives it (SQLAlchemy, so Superset, reads column types so);
-- DuckDB's pg_catalog.format_type expects DuckDB's type ids.
CREATE MACRO pg_compat.format_type(type_oid, type_mod) AS
    CASE type_oid
        WHEN 16 THEN 'boolean'
        WHEN 17 THEN 'bytea'
        WHEN 20 THEN 'bigint'
        WHEN 21 THEN 'smallint'
        WHEN 23 THEN 'integer'
        WHEN 25 THEN 'text'
        WHEN 700 THEN 'real'
        WHEN 701 THEN 'double precision'
        WHEN 1043 THEN 'character varying'
        WHEN 1082 THEN 'date'
        WHEN 1083 THEN 'time without time zone'
        WHEN 1114 THEN 'timestamp without time zone'
        WHEN 1184 THEN 'timestamp with time zone'
        WHEN 1186 THEN 'interval'
        WHEN 1700 THEN 'numeric'
        WHEN 2950 THEN 'uuid'
    END;
