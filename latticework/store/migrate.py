"""Alembic, driven from code: the revisions ship inside the package (latticework/migrations).

Schema creation and upgrades are serialised between processes, so that several commands started at
once on a database that does not exist yet (or is older) all succeed: the first creates or upgrades
the schema, the others wait and find it done. SQLite: an exclusive fcntl lock on "<db>.lock" next
to the database file. PostgreSQL: a session advisory lock keyed on the current schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from latticework.store.core import StoreError

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
#: First half of the PostgreSQL advisory lock key (the second is a hash of the schema name).
PG_LOCK_KEY = 0x4C57  # "LW"


def alembic_config(engine: Engine | None = None) -> Config:
    """A Config whose env.py reuses `engine` (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine; None for memory databases and SQLite URIs."""
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's schema lock (blocking until other processes release it).

    Not re-entrant: take it once around the whole check-and-upgrade. Where no lock file can be made
    (read-only directory) nothing can be created either, so the work goes on unlocked."""
    if engine.dialect.name == "postgresql":
        key = sa.text("SELECT pg_advisory_lock(:k, hashtext(current_schema()))")
        with engine.connect() as conn:
            conn.execute(key, {"k": PG_LOCK_KEY})
            conn.commit()  # a session lock outlives the transaction that took it
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k, hashtext(current_schema()))"),
                             {"k": PG_LOCK_KEY})
                conn.commit()
        return
    path = _sqlite_file(engine)
    fd = None
    if path is not None:
        try:
            import fcntl

            fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o666)
            fcntl.flock(fd, fcntl.LOCK_EX)
        except (OSError, ImportError):
            if fd is not None:
                os.close(fd)
            fd = None
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)  # closing the file releases its lock


def ensure_schema(engine: Engine, url: str, *, create: bool = True) -> None:
    """Bring the schema to head; refuse a database written by a newer latticework.

    The usual case (schema at head) is one read and no lock; anything else is checked again and
    done while holding the schema lock. A SQLite file that does not exist yet is only ever touched
    under the lock, since its first connection creates it."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    path = _sqlite_file(engine)
    if path is None or (path.exists() and path.stat().st_size > 0):
        if current_revision(engine) == head:
            return
    with schema_lock(engine):
        current = current_revision(engine)
        if current == head:
            return
        known = {rev.revision for rev in script.walk_revisions()}
        if current is not None and current not in known:
            raise StoreError(f"database {engine.url.render_as_string(hide_password=True)} has schema revision "
                             f"{current}, newer than this latticework knows (head {head}); upgrade latticework")
        if current is None and not create:
            with engine.connect() as conn:
                if not engine.dialect.has_table(conn, "documents"):
                    raise StoreError(f"{engine.url.render_as_string(hide_password=True)} holds no latticework "
                                     "database (create one with `latticework ingest`)")
        command.upgrade(alembic_config(engine), "head")


def upgrade(engine: Engine, revision: str = "head") -> None:
    with schema_lock(engine):
        command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with schema_lock(engine):
        command.downgrade(alembic_config(engine), revision)
