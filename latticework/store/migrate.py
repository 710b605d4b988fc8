"""Alembic, driven from code: the revisions ship inside the package (latticework/migrations)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from latticework.store.core import StoreError

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


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


def ensure_schema(engine: Engine, url: str, *, create: bool = True) -> None:
    """Bring the schema to head; refuse a database written by a newer latticework."""
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    head = script.get_current_head()
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
    upgrade(engine, "head")


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
