"""Migrations: an empty database built through every revision matches the models exactly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from latticework.store import Store
from latticework.store.migrate import alembic_config, current_revision, downgrade, upgrade
from latticework.store.models import metadata


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _diffs(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(ctx, metadata)


def test_revisions_are_named_and_ordered() -> None:
    revs = _revisions()
    assert len(revs) >= 2
    assert [r.split("_", 1)[0] for r in revs] == [f"{i:04d}" for i in range(1, len(revs) + 1)]


def test_every_revision_in_turn_then_no_diff_with_models(store_url: str) -> None:
    engine = sa.create_engine(store_url)
    try:
        assert current_revision(engine) is None
        for rev in _revisions():
            upgrade(engine, rev)
            assert current_revision(engine) == rev
        assert _diffs(engine) == []
        tables = set(sa.inspect(engine).get_table_names())
        assert {"documents", "events", "event_participants", "actors", "runs", "codings"} <= tables
        # And back down to nothing, and up again: downgrades are real too.
        downgrade(engine, "base")
        assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(engine, "head")
        assert _diffs(engine) == []
    finally:
        engine.dispose()


def test_store_upgrades_an_older_database(store_url: str) -> None:
    engine = sa.create_engine(store_url)
    upgrade(engine, _revisions()[0])
    assert "codings" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    with Store(store_url) as store:
        assert current_revision(store.engine) == _revisions()[-1]
        assert "codings" in sa.inspect(store.engine).get_table_names()


def test_revision_ids_fit_alembic_version_column() -> None:
    """PostgreSQL's alembic_version.version_num is VARCHAR(32)."""
    assert all(len(r) <= 32 for r in _revisions())
