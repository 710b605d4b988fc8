"""Faults: locked, read-only, missing and newer-schema databases; a PostgreSQL connection that drops."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from latticework.coder import Coder
from latticework.ingest import Document
from latticework.store import Store, StoreError
from latticework.store import models as m


def _docs(prefix: str, n: int) -> list[Document]:
    return [Document(id=f"{prefix}{i}", text=f"Japan and the Philippines held talks in Manila on {i + 1} May 2024.",
                     published="2024-05-30") for i in range(n)]


def _n_docs(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(m.documents)).scalar_one())


def test_locked_sqlite_gives_one_line_and_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "locked.db"
    with Store(str(db)) as store:
        store.ingest(_docs("a", 3), Coder(), progress=False)
    monkeypatch.setenv("LATTICEWORK_LOCK_TIMEOUT", "0.2")
    holder = sqlite3.connect(db)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError) as err:
            with Store(str(db)) as store:
                store.ingest(_docs("b", 3), Coder(), progress=False)
        assert "locked" in str(err.value) and "\n" not in str(err.value)
    finally:
        holder.rollback()
        holder.close()
    with Store(str(db)) as store:
        assert _n_docs(store) == 3
        assert store.ingest(_docs("b", 3), Coder(), progress=False).new == 3
        assert _n_docs(store) == 6


def test_read_only_database_answers_queries_but_refuses_writes(tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    with Store(str(db)) as store:
        store.ingest(_docs("a", 2), Coder(), progress=False)
    # Opened read-only by the driver (chmod alone does not bind root, who runs CI).
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    with Store(url) as store:
        assert store.stats()["documents"] == 2
        with pytest.raises(StoreError) as err:
            store.ingest(_docs("b", 2), Coder(), progress=False)
        assert "read-only" in str(err.value)
    with Store(str(db)) as store:
        assert _n_docs(store) == 2


def test_newer_schema_is_refused(store_url: str) -> None:
    Store(store_url).close()
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()
    with pytest.raises(StoreError) as err:
        Store(store_url)
    assert "0099_from_the_future" in str(err.value) and "newer" in str(err.value)


def test_missing_database_is_not_created_for_queries(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as err:
        Store(str(tmp_path / "nothing.db"), create=False)
    assert "no database" in str(err.value)
    assert not (tmp_path / "nothing.db").exists()
    with pytest.raises(StoreError) as err:
        Store(str(tmp_path / "no" / "such" / "dir.db"))
    assert "does not exist" in str(err.value)


def test_postgres_connection_dropped_mid_batch_is_retried_without_half_writes(pg_url: str) -> None:
    """Kill the store's own server backend in the middle of a batch's transaction: after the batch's
    documents and events have been sent, when it looks up the actors of those events."""
    store = Store(pg_url)
    admin = sa.create_engine(pg_url.split("?")[0])
    killed: list[int] = []

    @sa.event.listens_for(store.engine, "after_cursor_execute")
    def _drop(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if not killed and "FROM actors" in statement:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            killed.append(pid)
            with admin.begin() as a:
                a.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})

    try:
        report = store.ingest(_docs("c", 5), Coder(), progress=False, batch=5)
        assert killed, "the fault was not injected"
        assert report.new == 5
        assert _n_docs(store) == 5
        with store.engine.connect() as conn:
            codings = conn.execute(sa.select(sa.func.count()).select_from(m.codings)).scalar_one()
        assert codings == 5  # each document coded and recorded once, not once per attempt
        with store.engine.connect() as conn:
            n_events = conn.execute(sa.select(sa.func.count()).select_from(m.events)).scalar_one()
        assert n_events == sum(len(Coder().code(d)) for d in _docs("c", 5)) > 0
    finally:
        store.close()
        admin.dispose()


def test_full_database_keeps_committed_batches(tmp_path: Path) -> None:
    """SQLite's page limit gives a real SQLITE_FULL: clear message, earlier batches intact."""
    db = tmp_path / "full.db"
    store = Store(str(db))
    store.ingest(_docs("a", 2), Coder(), progress=False)
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    store.engine.dispose()

    @sa.event.listens_for(store.engine, "connect")
    def _cap(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 1}")

    big = [Document(id=f"big{i}", text="Japan and India held talks. " + "x" * 20000, published="2024-01-01")
           for i in range(5)]
    with pytest.raises(StoreError) as err:
        store.ingest(big, Coder(), progress=False, batch=5)
    assert "full" in str(err.value)
    store.close()
    with Store(str(db)) as again:
        assert _n_docs(again) == 2


def test_unreachable_postgres_is_one_line() -> None:
    with pytest.raises(StoreError) as err:
        Store("postgresql://postgres@127.0.0.1:1/none")
    assert "\n" not in str(err.value) and "127.0.0.1" in str(err.value)


def test_two_writers_on_the_same_documents_store_each_once(store_url: str) -> None:
    """Two ingests of the same input at once: every document stored and coded-recorded exactly once."""
    import threading

    docs = _docs("w", 60)
    Store(store_url).close()
    reports = []

    def run() -> None:
        with Store(store_url) as store:
            reports.append(store.ingest(docs, Coder(), progress=False, batch=5))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reports) == 2 and not any(r.problems for r in reports)
    assert sum(r.new for r in reports) == 60 and sum(r.new + r.unchanged for r in reports) == 120
    with Store(store_url) as store:
        assert _n_docs(store) == 60
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(m.codings)).scalar_one() == 60
