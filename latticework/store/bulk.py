"""Bulk writes straight through the database driver, for the store's high-volume tables."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def bulk_insert(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    """executemany straight through the driver: SQLAlchemy's per-row parameter processing costs more
    than the insert itself at ingest volumes. Rows must carry plain values (JSON already encoded)."""
    cols = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name == "postgresql":  # COPY: one round trip instead of one per row
        sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in cols)}) FROM STDIN"
        dbapi = conn.dialect.loaded_dbapi
        cur = conn.connection.cursor()
        try:
            with cur.copy(sql) as copy:
                for r in rows:
                    copy.write_row(tuple(r[c] for c in cols))
        except dbapi.Error as exc:
            # Raw cursor: wrap the driver error as SQLAlchemy would, so callers see one kind of error.
            dropped = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cur)
            if dropped:
                conn.invalidate()
            raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi.Error, connection_invalidated=dropped,
                                             dialect=conn.dialect) from exc
        finally:
            if not cur.closed:
                cur.close()
        return
    if any(isinstance(v, datetime) for v in rows[0].values()):
        conn.execute(table.insert(), rows)  # let SQLAlchemy store dates in its SQLite format
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in cols)}) "
           f"VALUES ({', '.join([mark] * len(cols))})")
    conn.exec_driver_sql(sql, [tuple(r[c] for c in cols) for r in rows])
