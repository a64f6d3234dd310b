"""What Superset's driver stack (SQLAlchemy over psycopg2) asks of the
endpoint: the server version, the schemas, tables and column types of
mart, and a query with a bound parameter. Run by TestSQLAlchemy
(internal/pgserver/server_test.go) with Debian's python3-sqlalchemy and
python3-psycopg2."""
import sys

import sqlalchemy as sa

engine = sa.create_engine(f"postgresql+psycopg2://analyst@127.0.0.1:{sys.argv[1]}/skolestat")
with engine.connect() as c:
    print("version", ".".join(str(v) for v in engine.dialect.server_version_info))
    insp = sa.inspect(c)
    for s in insp.get_schema_names():
        print("schema", s)
    for t in insp.get_table_names(schema="mart"):
        print("table", t)
    for col in insp.get_columns("figures", schema="mart"):
        print("column", col["name"], str(col["type"]))
    r = c.execute(sa.text("SELECT value FROM mart.figures WHERE code = :code"), {"code": "0301"})
    print("value", r.scalar())
