"""Shared fixtures: `store_url` runs a test on SQLite and on the real PostgreSQL server.

PostgreSQL comes from $LATTICEWORK_TEST_PG (scripts/system-deps.sh prints it). Each test gets a
fresh schema (dropped afterwards), so tests never see each other's rows. Without the variable the
PostgreSQL cases skip, unless LATTICEWORK_REQUIRE_PG=1 (CI), where they fail with a clear message.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

SHARED = Path(__file__).parents[1] / ".." / "shared"


def _pg_base_url() -> str:
    url = os.environ.get("LATTICEWORK_TEST_PG")
    if not url:
        msg = ("LATTICEWORK_TEST_PG is not set: PostgreSQL tests need a server "
               "(run `bash scripts/system-deps.sh` and export its last line)")
        if os.environ.get("LATTICEWORK_REQUIRE_PG") == "1":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema of the test PostgreSQL database."""
    base = _pg_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL at {base} is not reachable: {str(exc.orig).splitlines()[0]}", pytrace=False)
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on a temporary SQLite file and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_url")
