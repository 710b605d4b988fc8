"""The Store: documents, coded events and their history in SQLite (default) or PostgreSQL.

Why it is shaped this way:
- a document and its events are written in the same transaction, batch by batch, so a
  process killed at any moment leaves either the whole document or none of it;
- documents are keyed by id and skipped when their content hash is unchanged, so rerunning an
  interrupted command finishes the work without duplicating anything;
- coding happens *outside* the write transaction, so locks are held only for the short write;
- because of that, every write of events is a compare-and-set on the document's version and content
  hash, checked inside the write transaction with the document row locked: events coded from one
  text can never be attached to another version of the document, whatever runs at the same time;
- a document whose events do not match its latest coding (left by an older latticework, or written
  by hand) is found and coded again by the next `ingest` or `recode` of it;
- SQLite runs in WAL mode with a busy timeout, so readers never block the writer and writers wait
  for each other instead of failing; schema creation is serialised (see migrate.schema_lock).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from latticework import cluster
from latticework.ingest import Document, InputProblem
from latticework.protocols import EventCoder
from latticework.store import clusters, corrections
from latticework.store import models as m
from latticework.store.bulk import bulk_insert as _bulk_insert
from latticework.store.dates import day_range
from latticework.validate import checked_documents, event_problem, shown

DEFAULT_URL = "sqlite:///./latticework.db"
EVENT_KEYS = frozenset({"doc_id", "event_id", "type", "mode", "actors", "targets", "framework", "date", "status",
              "hedged", "location", "evidence", "confidence", "cameo", "source"})
_T = TypeVar("_T")


class _Unchanged:
    """Ingest feed marker: a document whose content hash is stored already (not coded again)."""

    __slots__ = ("doc",)

    def __init__(self, doc: Document) -> None:
        self.doc = doc


class _BatchEnd:
    """Ingest feed marker: the documents since the previous marker are written in one transaction."""

    __slots__ = ()


class _RecodeBatch:
    """Recode feed marker: the stored rows of the documents just sent, written in one transaction."""

    __slots__ = ("rows", "size")

    def __init__(self, rows: list[dict], size: int) -> None:
        self.rows = rows
        self.size = size


class StoreError(Exception):
    """A user-facing, one-line problem with the database (locked, read-only, newer schema…)."""


#: An ingest keeps the text of this many problems (each is still reported as it happens, and counted).
KEEP_PROBLEMS = 1000
#: iter_events fetches a page of at most this many rows at once, larger reads through a cursor.
PAGE_AT_ONCE = 10_000
#: A long write clusters the blocks it touched at its end and after every this many documents, so
#: events of a long run appear as it goes without clustering a block once per batch.
CLUSTER_EVERY = 20_000


def _then_cluster(job: Callable[[], _T], store: Store) -> _T:
    """Run a write job, then cluster what is pending (both in the writer thread, in order)."""
    out = job()
    store.cluster_pending()
    return out


@dataclass
class IngestReport:
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    events: int = 0
    repaired: int = 0  # unchanged documents whose stored events did not match their text, coded again
    problems: list[str] = field(default_factory=list)  # the first KEEP_PROBLEMS messages (memory stays bounded)
    run_id: int | None = None
    stopped: bool = False  # True when --strict stopped the run at the first problem
    n_problems: int = 0  # every problem, kept or not

    @property
    def problem_count(self) -> int:
        return max(self.n_problems, len(self.problems))

    def summary(self) -> str:
        fixed = f", {self.repaired} repaired" if self.repaired else ""
        return (f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged documents{fixed}; "
                f"{self.events} events stored; {self.problem_count} problems")


@dataclass
class RecodeReport:
    documents: int = 0
    changed: int = 0  # documents whose event set changed
    events_before: int = 0
    events_after: int = 0
    added: Counter = field(default_factory=Counter)  # by event type
    removed: Counter = field(default_factory=Counter)
    superseded: int = 0  # documents changed by another writer while being recoded (left as that writer stored them)
    problems: list[str] = field(default_factory=list)
    coder_version: str = ""
    run_id: int | None = None

    def summary(self) -> str:
        def fmt(c: Counter) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"

        return (f"recoded {self.documents} documents with coder {self.coder_version}: {self.changed} changed; "
                f"events {self.events_before} → {self.events_after} (added: {fmt(self.added)}; "
                f"removed: {fmt(self.removed)}); {len(self.problems)} problems"
                + (f"; {self.superseded} left as a newer version stored meanwhile" if self.superseded else ""))


def normalise_url(url: str | None) -> str:
    """None → $LATTICEWORK_DB or ./latticework.db; a bare path → SQLite file; postgresql:// → psycopg 3."""
    url = url or os.environ.get("LATTICEWORK_DB") or DEFAULT_URL
    if "://" not in url:
        return "sqlite://" if url == ":memory:" else f"sqlite:///{url}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def content_hash(doc: Document) -> str:
    """Hash of everything that can change how a document is coded (text and its metadata)."""
    h = hashlib.sha256(doc.text.encode("utf-8", "surrogatepass"))
    for part in (doc.title, doc.published, doc.source, doc.url, doc.language):
        h.update(b"\x00" if part is None else b"\x01" + part.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


#: PostgreSQL rolled the transaction back for a deadlock or a serialisation failure: run it again.
_RETRY_SQLSTATES = frozenset({"40P01", "40001"})


def lock_timeout() -> float:
    """Seconds a SQLite connection waits for another writer ($LATTICEWORK_LOCK_TIMEOUT, default 30)."""
    try:
        return max(0.0, float(os.environ.get("LATTICEWORK_LOCK_TIMEOUT", "30")))
    except ValueError:
        return 30.0


def _use_wal(cur: Any) -> None:
    """Switch a SQLite file to WAL mode (readers never block the writer; the mode is stored in the file).

    Tried on every new connection but a no-op once set. A database opened read-only keeps its mode."""
    import sqlite3

    try:
        mode = cur.execute("PRAGMA journal_mode").fetchone()
        if mode and str(mode[0]).lower() != "wal":
            cur.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError:
        pass  # read-only file or medium: the rollback journal works for reading


def _describe(exc: BaseException, url: str) -> str:
    """Translate a driver error into one line a user can act on."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    low = text.lower()
    where = _display_url(url)
    if "locked" in low or "lock timeout" in low:
        return f"database {where} is locked by another process; nothing was lost, try again when it is free"
    if "readonly" in low or "read-only" in low or "read only" in low:
        return f"database {where} is read-only; nothing was written"
    if "disk is full" in low or "database or disk is full" in low or "no space left" in low:
        return f"database {where} is full (no space left); the last batch was rolled back, nothing else lost"
    if "unable to open" in low:
        return f"cannot open database {where}: {text}"
    if "connection" in low or "could not connect" in low or "server closed" in low:
        return f"cannot reach database {where}: {text}"
    return f"database {where}: {text}"


def _display_url(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a display helper must never fail
        return url


def actor_info(code: str) -> tuple[str | None, str]:
    """(name, kind) for an actor code: ISO states via pycountry, a short list of bodies and groupings."""
    from latticework.store.actor_names import GROUPINGS, ORGANISATIONS

    if code in ORGANISATIONS:
        return ORGANISATIONS[code], "organisation"
    if code in GROUPINGS:
        return GROUPINGS[code], "grouping"
    if len(code) == 3:
        import pycountry

        country = pycountry.countries.get(alpha_3=code)
        if country is not None:
            return getattr(country, "common_name", None) or country.name, "state"
        if code == "XKX":
            return "Kosovo", "state"
    return None, "other"


class Store:
    """One database of documents, events, actors and runs; see the module docstring."""

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.url = normalise_url(url)
        self.dialect = sa.make_url(self.url).get_backend_name()
        if self.dialect == "sqlite":
            self._check_sqlite_path(create)
        self.engine = self._make_engine()
        try:
            from latticework.store.migrate import ensure_schema

            ensure_schema(self.engine, self.url, create=create)
        except StoreError:
            self.engine.dispose()
            raise
        except (OperationalError, DBAPIError) as exc:
            self.engine.dispose()
            raise StoreError(_describe(exc, self.url)) from None
        self._known_actors: set[str] = set()

    # -- connection -----------------------------------------------------------------------

    def _check_sqlite_path(self, create: bool) -> None:
        db = sa.make_url(self.url).database
        if not db or db == ":memory:" or db.startswith("file:"):
            return  # in-memory, or a SQLite URI (e.g. ?mode=ro) that the driver checks itself
        path = Path(db)
        if not path.exists():
            if not create:
                raise StoreError(f"no database at {path} (create one with `latticework ingest`)")
            if not path.parent.exists():
                raise StoreError(f"cannot create database {path}: directory {path.parent} does not exist")

    def _make_engine(self) -> Engine:
        if self.dialect == "sqlite":
            kwargs: dict[str, Any] = {"connect_args": {"timeout": lock_timeout()}}
            in_memory = sa.make_url(self.url).database in (None, "", ":memory:")
            if in_memory:
                kwargs["poolclass"] = sa.pool.StaticPool
                kwargs["connect_args"]["check_same_thread"] = False
            engine = sa.create_engine(self.url, **kwargs)

            @sa.event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: index upkeep at 100k documents stays in memory
                if not in_memory:
                    _use_wal(cur)
                cur.close()
                # SQLAlchemy, not the driver, decides where transactions begin (see _begin).
                dbapi_conn.isolation_level = None

            @sa.event.listens_for(engine, "begin")
            def _begin(conn: Connection) -> None:
                # Writers take the write lock up front (BEGIN IMMEDIATE), so the hash re-check and
                # the writes that follow it see the same database, and a busy database makes the
                # writer wait (busy timeout) instead of failing on a lock upgrade.
                immediate = conn.get_execution_options().get("latticework_write")
                conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

            return engine
        return sa.create_engine(self.url, pool_pre_ping=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, fn: Callable[[Connection], _T], *, attempts: int = 3) -> _T:
        """Run fn in one transaction; retry when the connection dropped or PostgreSQL chose this
        transaction as a deadlock victim (it rolled back, nothing half-written). fn must not have
        effects outside the transaction, since it may run more than once."""
        for attempt in range(attempts):
            try:
                with self.engine.connect() as conn:
                    conn = conn.execution_options(latticework_write=True)
                    with conn.begin():
                        return fn(conn)
            except DBAPIError as exc:
                retry = exc.connection_invalidated or getattr(exc.orig, "sqlstate", None) in _RETRY_SQLSTATES
                if retry and attempt + 1 < attempts:
                    time.sleep(0.2 * (attempt + 1))
                    continue
                if isinstance(exc, IntegrityError):
                    raise
                raise StoreError(_describe(exc, self.url)) from None
        raise AssertionError("unreachable")

    def _read(self, fn: Callable[[Connection], _T]) -> _T:
        try:
            with self.engine.connect() as conn:
                return fn(conn)
        except DBAPIError as exc:
            raise StoreError(_describe(exc, self.url)) from None

    # -- runs -----------------------------------------------------------------------------

    def _start_run(self, command: str, coder_version: str | None, inputs: str | None) -> int:
        def go(conn: Connection) -> int:
            self._mark_dead_runs(conn)
            res = conn.execute(m.runs.insert().values(
                command=command, coder_version=coder_version, inputs=inputs, started_at=_now(),
                status="running", host=socket.gethostname(), pid=os.getpid()))
            return int(res.inserted_primary_key[0])  # type: ignore[index]

        return self._write(go)

    def _mark_dead_runs(self, conn: Connection) -> None:
        """Runs left 'running' by a killed process on this host become 'interrupted'."""
        rows = conn.execute(sa.select(m.runs.c.id, m.runs.c.pid).where(
            m.runs.c.status == "running", m.runs.c.host == socket.gethostname())).all()
        for run_id, pid in rows:
            if pid and not _pid_alive(pid):
                conn.execute(m.runs.update().where(m.runs.c.id == run_id).values(status="interrupted"))

    def _finish_run(self, run_id: int, status: str, **counts: int) -> None:
        def go(conn: Connection) -> None:
            conn.execute(m.runs.update().where(m.runs.c.id == run_id).values(
                status=status, finished_at=_now(), **counts))

        try:
            self._write(go)
        except StoreError:
            pass  # the data is committed; a missing run summary must not hide that

    # -- ingest ---------------------------------------------------------------------------

    def ingest(self, items: Iterable[Document | InputProblem], coder: EventCoder | None = None, *,
               jobs: int = 1, data_dirs: Sequence[str] = (), progress: bool = True, batch: int = 100,
               strict: bool = False, inputs: Sequence[str] | None = None,
               on_problem: Callable[[str], None] | None = None) -> IngestReport:
        """Code and store documents; unchanged ones (same content hash) are skipped without coding.

        `coder` codes in this process (built from `data_dirs` when None). With `jobs` > 1 (and no
        `coder`), `jobs` worker processes each build the coder from `data_dirs` and code while this
        process reads the input and writes to the database; what is stored does not depend on `jobs`."""
        from latticework.parallel import CodingPool

        report = IngestReport()
        items = checked_documents(items)  # the fields every backend can hold (latticework.validate)
        with CodingPool(jobs, data_dirs, coder=coder) as pool:
            version = pool.version
            run_id = self._start_run("ingest", version, " ".join(inputs) if inputs else None)
            report.run_id = run_id

            def problem(msg: str) -> None:
                report.n_problems += 1
                if len(report.problems) < KEEP_PROBLEMS:
                    report.problems.append(msg)
                if on_problem:
                    on_problem(msg)

            status = "failed"
            bar = _Progress(progress, "ingest")
            # Coding batch N+1 overlaps writing batch N (one writer thread, one batch in flight, FIFO),
            # so the database's time hides behind the coder's. An in-memory SQLite database has a
            # single shared connection and is written inline.
            overlap = not (self.dialect == "sqlite" and sa.make_url(self.url).database in (None, "", ":memory:"))
            writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="latticework-writer") if overlap else None
            inflight: list[Future] = []
            since_clustered = [0]

            def collect() -> None:
                while inflight:
                    outcome, problems = inflight.pop().result()
                    for key in ("new", "updated", "unchanged", "repaired", "events"):
                        setattr(report, key, getattr(report, key) + outcome[key])
                    for msg in problems:
                        problem(msg)

            def write(coded: list[tuple[Document, list[dict]]]) -> None:
                collect()  # at most one batch in flight; its errors surface here
                if coded:
                    hashes = {d.id: content_hash(d) for d, _ in coded}
                    job: Callable[[], Any] = partial(self._store_batch, coded, hashes, version, run_id, defer=True)
                    since_clustered[0] += len(coded)
                    if since_clustered[0] >= CLUSTER_EVERY:  # in the writer's queue, after this batch
                        since_clustered[0] = 0
                        job = partial(_then_cluster, job, self)
                    if writer is None:
                        fut: Future = Future()
                        fut.set_result(job())
                    else:
                        fut = writer.submit(job)
                    inflight.append(fut)

            try:
                with bar:
                    coded: list[tuple[Document, list[dict]]] = []
                    for item, result in pool.code(self._ingest_feed(items, batch, strict)):
                        if isinstance(item, _BatchEnd):
                            write(coded)
                            coded = []
                            continue
                        bar.advance()
                        if isinstance(item, _Unchanged):
                            report.unchanged += 1
                            continue
                        if isinstance(item, InputProblem):
                            problem(str(item))
                        else:
                            evs = self._events_of(item, result, problem)
                            if evs is not None:
                                coded.append((item, evs))
                                continue
                        if strict:
                            report.stopped = True
                            break
                    write(coded)  # after a --strict stop: the documents before the problem
                    collect()
                    self.cluster_pending()
                status = "done"
                self._refresh_statistics(report.new + report.updated)
            except KeyboardInterrupt:
                status = "interrupted"
                raise
            finally:
                if writer is not None:
                    writer.shutdown(wait=True)  # an interrupted run still commits the batch in flight
                    try:
                        collect()
                    except Exception:  # noqa: BLE001 - already failing; the first error is the one to show
                        pass
                self._finish_run(run_id, status, n_new=report.new, n_unchanged=report.unchanged,
                                 n_updated=report.updated + report.repaired, n_events=report.events, n_problems=report.problem_count)
        return report

    def _ingest_feed(self, items: Iterable[Document | InputProblem], batch: int,
                     strict: bool) -> Iterator[Document | InputProblem | _Unchanged | _BatchEnd]:
        """The input in order, in batches: documents to code, `_Unchanged` for those whose content hash
        is stored already, input problems, and a `_BatchEnd` after each batch (one write transaction).

        The hash check here only saves coding; the writer checks again inside its transaction. A stored
        document with the same hash whose events do not match its latest coding is sent to be coded
        again (the writer re-checks that too), so a rerun repairs what an older latticework left."""
        pending: list[Document] = []
        pending_ids: set[str] = set()

        def close() -> Iterator[Document | _Unchanged | _BatchEnd]:
            hashes = {d.id: content_hash(d) for d in pending}
            def look(conn: Connection) -> tuple[dict[str, tuple[str, int]], set[str]]:
                existing = self._existing(conn, list(hashes))
                same = [i for i, h in hashes.items() if existing.get(i, ("", 0))[0] == h]
                return existing, self._inconsistent(conn, same) if same else set()

            existing, broken = self._read(look)
            for doc in pending:
                same = existing.get(doc.id, ("", 0))[0] == hashes[doc.id]
                yield _Unchanged(doc) if same and doc.id not in broken else doc
            yield _BatchEnd()
            pending.clear()
            pending_ids.clear()

        for item in items:
            if isinstance(item, InputProblem):
                if strict and pending:
                    yield from close()  # --strict keeps everything before the problem
                yield item
                continue
            if item.id in pending_ids:  # same id twice: the earlier text goes first
                yield from close()
            pending.append(item)
            pending_ids.add(item.id)
            if len(pending) >= batch:
                yield from close()
        if pending:
            yield from close()

    def ingest_coded(self, items: Iterable[tuple[Document | InputProblem, Any]], coder_version: str, *,
                     progress: bool = True, batch: int = 100, inputs: Sequence[str] | None = None,
                     on_problem: Callable[[str], None] | None = None, defer_clustering: bool = True) -> IngestReport:
        """Store documents coded elsewhere (latticework.scale: by workers of a cluster) as `ingest` would.

        `items` as `CodingPool.code` yields them, in input order: (document, its events or a
        CodingError) and (InputProblem, None). They go through the same batches, unchanged/updated/
        repaired rules, messages and write transactions as `ingest`, so the store ends up the same.
        With `defer_clustering` the new reports are clustered once, by `cluster_pending` after the
        last batch, instead of in every batch: a block that many batches add to is clustered once.
        Until then they are stored but in no event; a load killed before that step leaves them so,
        and the next `ingest_coded` (or `cluster_pending`) clusters them."""

        report = IngestReport()
        run_id = self._start_run("ingest", coder_version, " ".join(inputs) if inputs else None)
        report.run_id = run_id
        results: dict[int, Any] = {}  # id() of a document on its way through the feed -> its result

        def feed() -> Iterator[Document | InputProblem]:
            for item, result in items:
                for checked in checked_documents([item]):
                    if isinstance(checked, Document):
                        results[id(checked)] = result
                    yield checked

        def problem(msg: str) -> None:
            report.n_problems += 1
            if len(report.problems) < KEEP_PROBLEMS:
                report.problems.append(msg)
            if on_problem:
                on_problem(msg)

        def write(coded: list[tuple[Document, list[dict]]]) -> None:
            if coded:
                outcome, problems = self._store_batch(coded, {d.id: content_hash(d) for d, _ in coded},
                                                      coder_version, run_id, defer=defer_clustering)
                for key in ("new", "updated", "unchanged", "repaired", "events"):
                    setattr(report, key, getattr(report, key) + outcome[key])
                for msg in problems:
                    problem(msg)

        status = "failed"
        try:
            with _Progress(progress, "load") as bar:
                coded: list[tuple[Document, list[dict]]] = []
                for item in self._ingest_feed(feed(), batch, False):
                    if isinstance(item, _BatchEnd):
                        write(coded)
                        coded = []
                        continue
                    bar.advance()
                    if isinstance(item, _Unchanged):
                        results.pop(id(item.doc), None)
                        report.unchanged += 1
                    elif isinstance(item, InputProblem):
                        problem(str(item))
                    else:
                        evs = self._events_of(item, results.pop(id(item), None), problem)
                        if evs is not None:
                            coded.append((item, evs))
                write(coded)
            if defer_clustering:
                self.cluster_pending()
            status = "done"
            self._refresh_statistics(report.new + report.updated)
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            self._finish_run(run_id, status, n_new=report.new, n_unchanged=report.unchanged,
                             n_updated=report.updated + report.repaired, n_events=report.events,
                             n_problems=report.problem_count)
        return report

    def cluster_pending(self, *, chunk: int = 500) -> int:
        """Cluster every block a deferred write left out of date (pending_blocks, and any report in no
        event: left by a run killed before its end), `chunk` blocks per transaction; returns how many
        blocks were clustered. Cheap when there are none: two indexed reads."""
        e, pb = m.events, m.pending_blocks

        def pick(conn: Connection) -> list[str]:
            found = set(conn.scalars(sa.select(pb.c.block_key)))
            found |= set(conn.scalars(sa.select(e.c.block_key).distinct().where(
                e.c.cluster_id.is_(None), e.c.block_key.is_not(None))))
            return sorted(found)

        blocks = self._read(pick)

        def go(conn: Connection, part: list[str]) -> None:
            clusters.recluster(conn, part)
            conn.execute(pb.delete().where(pb.c.block_key.in_(part)))

        for i in range(0, len(blocks), chunk):
            self._write(partial(go, part=blocks[i:i + chunk]))
        return len(blocks)

    def _refresh_statistics(self, changed: int) -> None:
        """After a large load, refresh the planner's statistics so filtered listings pick good indexes."""
        if changed < 1000:
            return
        try:
            with self.engine.connect() as conn:
                if self.dialect == "sqlite":
                    conn.exec_driver_sql("PRAGMA analysis_limit=1000")  # sampled: fast at any size
                    conn.exec_driver_sql("ANALYZE")
                else:
                    conn.exec_driver_sql("ANALYZE documents, events, event_participants")
                conn.commit()
        except DBAPIError:
            pass  # statistics are an optimisation; the data is committed

    def _existing(self, conn: Connection, ids: list[str], *, lock: bool = False) -> dict[str, tuple[str, int]]:
        """(content hash, version) of the stored documents among `ids`.

        lock=True (writers, inside their transaction): the rows stay locked until it ends, so the
        version read here is the version the events are written against (the compare-and-set).
        PostgreSQL: SELECT … FOR UPDATE, in id order so that two writers cannot deadlock on a batch;
        a writer that waited reads the row as the other one committed it. SQLite: the transaction
        holds the database's write lock from its start (BEGIN IMMEDIATE), which does the same."""
        d = m.documents
        q = sa.select(d.c.id, d.c.content_hash, d.c.version).where(d.c.id.in_(ids))
        if lock and self.dialect == "postgresql":
            q = q.order_by(d.c.id).with_for_update()
        return {r[0]: (r[1], r[2]) for r in conn.execute(q).all()}

    @staticmethod
    def _inconsistent(conn: Connection, ids: list[str] | None = None) -> set[str]:
        """Documents (among `ids`, or all) whose stored events are not those of their current version.

        Two signs, both left only by writes that did not check the version (an older latticework,
        or a hand edit): a text event recorded for another version of the document, or a count of
        text events that differs from the one recorded by the document's latest coding of its
        current version and content. A document coded before coding history was kept has no coding
        row; only the first sign can show on it."""
        d, e, c = m.documents, m.events, m.codings
        found: set[str] = set()
        chunks: list[list[str] | None] = [None] if ids is None else [ids[i:i + 500] for i in range(0, len(ids), 500)]
        for chunk in chunks:
            wrong = (sa.select(e.c.doc_id).distinct().join(d, d.c.id == e.c.doc_id)
                     .where(e.c.origin == "text", sa.or_(e.c.doc_version.is_(None), e.c.doc_version != d.c.version)))
            latest = (sa.select(c.c.doc_id, sa.func.max(c.c.id).label("cid"))
                      .join(d, sa.and_(d.c.id == c.c.doc_id, d.c.version == c.c.doc_version,
                                       d.c.content_hash == c.c.content_hash))
                      .group_by(c.c.doc_id))
            counts = sa.select(e.c.doc_id, sa.func.count().label("n")).where(e.c.origin == "text")
            if chunk is not None:
                wrong = wrong.where(e.c.doc_id.in_(chunk))
                latest = latest.where(c.c.doc_id.in_(chunk))
                counts = counts.where(e.c.doc_id.in_(chunk))
            lq = latest.subquery()
            cq = counts.group_by(e.c.doc_id).subquery()
            miscounted = (sa.select(c.c.doc_id).join(lq, c.c.id == lq.c.cid)
                          .outerjoin(cq, cq.c.doc_id == c.c.doc_id)
                          .where(c.c.n_events != sa.func.coalesce(cq.c.n, 0)))
            found.update(conn.scalars(wrong))
            found.update(conn.scalars(miscounted))
        return found

    def _store_batch(self, coded: list[tuple[Document, list[dict]]], hashes: dict[str, str], coder_version: str,
                     run_id: int, defer: bool = False) -> tuple[Counter, list[str]]:
        """Write one batch in one transaction (runs in the writer thread); returns counts and problems."""
        problems: list[str] = []
        try:
            outcome = self._write(partial(self._write_docs, coded=coded, hashes=hashes,
                                          coder_version=coder_version, run_id=run_id, defer=defer))
        except IntegrityError:
            # One document's events clash with another's ids: write one by one to isolate it.
            outcome = Counter()
            for one in coded:
                try:
                    outcome.update(self._write(partial(self._write_docs, coded=[one], hashes=hashes,
                                                       coder_version=coder_version, run_id=run_id, defer=defer)))
                except IntegrityError as exc:
                    doc = one[0]
                    problems.append(f"{doc.origin or doc.id}: events of document {doc.id!r} could not be stored: "
                                    f"{str(exc.orig).splitlines()[0]}")
        return outcome, problems

    def _write_docs(self, conn: Connection, coded: list[tuple[Document, list[dict]]], hashes: dict[str, str],
                    coder_version: str, run_id: int, defer: bool = False) -> Counter:
        """Write documents with their events in the caller's transaction; re-checks hashes inside it."""
        out: Counter = Counter()
        now = _now()
        existing = self._existing(conn, [d.id for d, _ in coded], lock=True)
        same = [d.id for d, _ in coded if existing.get(d.id, ("", 0))[0] == hashes[d.id]]
        broken = self._inconsistent(conn, same) if same else set()
        new_docs, upd_docs, replaced, ev_rows, part_rows, hist = [], [], [], [], [], []
        stories = clusters.Stories(conn)
        stories.prepare((d.id, d.text) for d, _ in coded)
        for doc, evs in coded:
            h = hashes[doc.id]
            old = existing.get(doc.id)
            if old and old[0] == h and doc.id not in broken:
                out["unchanged"] += 1
                continue
            repair = bool(old and old[0] == h)  # same text, events that are not its own: replace them
            version = old[1] if repair and old else old[1] + 1 if old else 1
            row = {"id": doc.id, "content_hash": h, "version": version, "title": doc.title,
                   "source": doc.source, "url": doc.url, "published": doc.published,
                   "language": doc.language, "text": doc.text, "ingested_at": now,
                   "coder_version": coder_version, "run_id": run_id}
            story = stories.assign(doc.id, doc.text, doc.source)
            row["story_id"], row["story_source"] = story
            if repair:
                upd_docs.append(row)
                replaced.append(doc.id)
                out["repaired"] += 1
            elif old:
                upd_docs.append(row)
                replaced.append(doc.id)
                out["updated"] += 1
            else:
                new_docs.append(row)
                out["new"] += 1
            for ev in evs:
                er, pr = self._event_rows(ev, "text", coder_version, run_id, doc.published, version, story)
                ev_rows.append(er)
                part_rows.extend(pr)
            hist.append({"doc_id": doc.id, "doc_version": version, "content_hash": h, "coder_version": coder_version,
                         "run_id": run_id, "coded_at": now, "n_events": len(evs)})
            out["events"] += len(evs)
        old_blocks = self._delete_doc_events(conn, replaced) if replaced else set()
        if new_docs:
            _bulk_insert(conn, m.documents, new_docs)
        for row in upd_docs:
            conn.execute(m.documents.update().where(m.documents.c.id == row["id"]).values(
                **{k: v for k, v in row.items() if k != "id"}))
        stories.write(replaced)
        self._insert_events(conn, ev_rows, part_rows, old_blocks, docs=replaced, defer=defer)
        if hist:
            _bulk_insert(conn, m.codings, hist)
        return out

    def _delete_doc_events(self, conn: Connection, doc_ids: list[str]) -> set[str]:
        """Delete the text-coded reports of these documents; returns the blocks they were in."""
        blocks = clusters.blocks_of(conn, doc_ids=doc_ids, origin="text")
        ids = sa.select(m.events.c.event_id).where(m.events.c.doc_id.in_(doc_ids), m.events.c.origin == "text")
        conn.execute(m.participants.delete().where(m.participants.c.event_id.in_(ids)))
        conn.execute(m.events.delete().where(m.events.c.doc_id.in_(doc_ids), m.events.c.origin == "text"))
        return blocks

    def _insert_events(self, conn: Connection, ev_rows: list[dict], part_rows: list[dict],
                       old_blocks: set[str] | frozenset[str] = frozenset(), docs: Sequence[str] = (),
                       defer: bool = False) -> None:
        """Insert reports, apply the analysts' corrections of the documents `docs` just coded
        (latticework.store.corrections), then cluster again every block touched.

        `defer` (every long write: ingest, recode, import): the blocks touched are noted in
        pending_blocks and clustered by `cluster_pending`, at the end of the run or every
        CLUSTER_EVERY documents, so that a block many batches add to is clustered a few times, not
        once per batch. Until then new reports are in no event and the block's events are stale."""
        if ev_rows:
            for row in ev_rows:
                row["extra"] = None if row["extra"] is None else json.dumps(row["extra"], ensure_ascii=False)
            _bulk_insert(conn, m.events, ev_rows)
        if part_rows:
            _bulk_insert(conn, m.participants, part_rows)
            self._add_actors(conn, {p["actor"] for p in part_rows})
        touched = set(old_blocks) | {r["block_key"] for r in ev_rows}
        if docs:
            touched |= corrections.apply(self, conn, docs)
        if defer:
            clusters.mark_pending(conn, touched)
        else:
            clusters.recluster(conn, touched)

    def _add_actors(self, conn: Connection, codes: set[str]) -> None:
        codes -= self._known_actors
        if not codes:
            return
        have = set(conn.scalars(sa.select(m.actors.c.code).where(m.actors.c.code.in_(codes))))
        missing = sorted(codes - have)
        if missing:
            # ON CONFLICT DO NOTHING: another writer may add the same actor between our read and insert
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as upsert
            else:
                from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
            conn.execute(upsert(m.actors).on_conflict_do_nothing(index_elements=["code"]),
                         [{"code": c, "name": actor_info(c)[0], "kind": actor_info(c)[1]} for c in missing])
        # Not added to the cache here: the transaction may still roll back.

    def _events_of(self, doc: Document, result: Any, problem: Callable[[str], None]) -> list[dict] | None:
        """A document's coded events, checked; None (after one problem line) when its coding failed:
        one bad document must not stop an ingest or a load."""
        from latticework.parallel import CodingError

        try:
            if isinstance(result, CodingError):
                raise result
            return [self._prepare_event(e, doc.id, n) for n, e in enumerate(result or [])]
        except Exception as exc:  # noqa: BLE001 - reported, and the run goes on
            shown = exc if isinstance(exc, CodingError) else f"{type(exc).__name__}: {exc}"
            problem(f"{doc.origin or doc.id}: coder failed on document {doc.id!r}: {shown}")
            return None

    @staticmethod
    def _prepare_event(ev: dict, doc_id: str, n: int) -> dict:
        """Validate the fields the store relies on; give a stable id to an event that has none."""
        if not isinstance(ev, dict):
            raise ValueError(f"event {n} is not an object")
        for key in ("type", "status"):
            if not ev.get(key):
                raise ValueError(f"event {n} has no {key}")
        if "doc_id" in ev and ev.get("event_id"):
            return ev  # the usual case: nothing to add, no copy
        ev = dict(ev)
        ev.setdefault("doc_id", doc_id)
        if not ev.get("event_id"):
            evd = ev.get("evidence") or {}
            basis = f"{doc_id}|{n}|{ev['type']}|{evd.get('start')}|{evd.get('end')}"
            ev["event_id"] = f"{doc_id}#{hashlib.sha1(basis.encode()).hexdigest()[:12]}"
        return ev

    def _event_rows(self, ev: dict, origin: str, coder_version: str | None, run_id: int | None,
                    published: str | None, doc_version: int | None,
                    story: tuple[str, str | None] | None = None) -> tuple[dict, list[dict]]:
        evidence = ev.get("evidence") or {}
        location = ev.get("location") or {}
        rng = day_range(ev.get("date")) or day_range(published)
        extra = {k: v for k, v in ev.items() if k not in EVENT_KEYS}
        row = {
            "event_id": str(ev["event_id"]), "doc_id": ev.get("doc_id"), "doc_version": doc_version,
            "origin": origin, "type": ev["type"], "mode": ev.get("mode"), "framework": ev.get("framework"),
            "date": ev.get("date"), "date_lo": rng[0] if rng else None, "date_hi": rng[1] if rng else None,
            "status": ev.get("status") or "occurred", "hedged": bool(ev.get("hedged", False)),
            "location_name": location.get("name"), "location_country": location.get("country"),
            "evidence_text": evidence.get("text"), "evidence_start": evidence.get("start"),
            "evidence_end": evidence.get("end"), "confidence": ev.get("confidence"), "cameo": ev.get("cameo"),
            "coder_version": coder_version, "run_id": run_id, "extra": extra or None,
            "block_key": cluster.block_key({**ev, "published": published}),
            "source_key": clusters.source_key(origin, ev.get("doc_id"), story),
            "seen": clusters.seen_day(published),
            "provenance": "coder" if origin == "text" else origin,
        }
        parts = []
        for role, key in (("actor", "actors"), ("target", "targets")):
            for pos, code in enumerate(ev.get(key) or []):
                parts.append({"event_id": row["event_id"], "role": role, "position": pos, "actor": str(code)})
        return row, parts

    # -- dataset imports ------------------------------------------------------------------

    def add_events(self, events: Iterable[dict], *, source: str, batch: int = 1000) -> int:
        """Store events from a dataset (no document text); idempotent on event_id."""
        if not source or source == "text":
            raise StoreError("add_events needs a dataset name as source (e.g. 'gdelt'), not 'text'")
        run_id = self._start_run("import", None, source)
        total = 0
        status = "failed"
        try:
            chunk: dict[str, dict] = {}
            since_clustered = 0
            for n, ev in enumerate(events):
                if not ev.get("event_id"):
                    raise StoreError(f"{source} event {n + 1} has no event_id")
                if not ev.get("type"):
                    raise StoreError(f"{source} event {ev['event_id']}: no type")
                if bad := event_problem(ev, source):
                    raise StoreError(f"{source} event {shown(ev['event_id'])}: {bad}")
                chunk[str(ev["event_id"])] = ev
                if len(chunk) >= batch:
                    total += self._write(partial(self._upsert_dataset, chunk=chunk, source=source, run_id=run_id))
                    since_clustered += len(chunk)
                    chunk = {}
                    if since_clustered >= CLUSTER_EVERY:
                        self.cluster_pending()
                        since_clustered = 0
            if chunk:
                total += self._write(partial(self._upsert_dataset, chunk=chunk, source=source, run_id=run_id))
            self.cluster_pending()
            status = "done"
            self._refresh_statistics(total)
        finally:
            self._finish_run(run_id, status, n_events=total)
        return total

    def _upsert_dataset(self, conn: Connection, chunk: dict[str, dict], source: str, run_id: int) -> int:
        ids = list(chunk)
        clash = conn.scalars(sa.select(m.events.c.event_id).where(
            m.events.c.event_id.in_(ids), m.events.c.origin != source)).first()
        if clash is not None:
            raise StoreError(f"{source} event {clash}: this id is already used by an event from another source")
        old_blocks = clusters.blocks_of(conn, event_ids=ids)
        conn.execute(m.participants.delete().where(m.participants.c.event_id.in_(ids)))
        conn.execute(m.events.delete().where(m.events.c.event_id.in_(ids)))
        ev_rows, part_rows = [], []
        for ev in chunk.values():
            er, pr = self._event_rows(ev, source, None, run_id, ev.get("published"), None)
            ev_rows.append(er)
            part_rows.extend(pr)
        self._insert_events(conn, ev_rows, part_rows, old_blocks, defer=True)
        return len(ev_rows)

    # -- queries --------------------------------------------------------------------------

    def _event_query(self, *, actor: str | None = None, with_: str | None = None, type: str | None = None,
                     mode: str | None = None, framework: str | None = None, since: str | None = None,
                     until: str | None = None, status: str | None = None, source: str | None = None,
                     text: str | None = None, reports: bool = False, min_sources: int | None = None) -> sa.Select:
        """Reports (`reports=True`) or events matching every filter. An event is shown by its
        representative report; it matches --text and --source when any of its reports does."""
        e, p, c = m.events, m.participants, m.event_clusters
        if reports:
            q = sa.select(e)
        else:
            q = sa.select(e, c.c.cluster_id.label("_cluster"), c.c.n_reports, c.c.n_documents, c.c.n_stories,
                          c.c.n_sources, c.c.first_seen, c.c.last_seen).join(c, c.c.rep_id == e.c.event_id)
            if min_sources:
                q = q.where(c.c.n_sources >= min_sources)
        member = e.alias("member")

        def any_report(cond: Any) -> Any:
            """`cond` (written on `member`) holds for the report or, at event level, one of the event's."""
            if reports:
                return cond.where(member.c.event_id == e.c.event_id).exists()
            return cond.where(member.c.cluster_id == c.c.cluster_id).exists()

        if actor and with_:
            # a dyad as one join of the participants with themselves: PostgreSQL plans it ~5× faster
            # than two EXISTS at 100k documents (same rows: each actor takes part in any role)
            p2 = p.alias("p2")
            q = q.where(e.c.event_id.in_(sa.select(p.c.event_id).join(p2, p2.c.event_id == p.c.event_id)
                                         .where(p.c.actor == actor.upper(), p2.c.actor == with_.upper())))
        elif actor or with_:
            code = actor or with_ or ""
            q = q.where(sa.exists().where(p.c.event_id == e.c.event_id, p.c.actor == code.upper()))
        if type:
            q = q.where(e.c.type == type.upper())
        if mode:
            q = q.where(e.c.mode == mode)
        if framework:
            q = q.where(e.c.framework == framework.upper())
        if since:
            rng = _day_range_of("--since", since)
            # No stored range spans more than a year, so date_hi >= S implies date_lo >= S - 366 days:
            # a redundant bound that lets the (date_lo, date_hi) index serve the query in date order.
            floor = (date.fromisoformat(rng[0]) - timedelta(days=366)).isoformat()
            q = q.where(e.c.date_hi >= rng[0], e.c.date_lo >= floor)
        if until:
            rng = _day_range_of("--until", until)
            q = q.where(e.c.date_lo <= rng[1])
        if status:
            q = q.where(e.c.status == status)
        if source:
            by_doc = sa.select(m.documents.c.id).where(m.documents.c.source == source)
            q = q.where(any_report(sa.select(member.c.event_id).where(sa.or_(
                member.c.origin == source, sa.and_(member.c.origin == "text", member.c.doc_id.in_(by_doc))))))
        if text:
            esc = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            q = q.where(any_report(sa.select(member.c.event_id).where(
                member.c.evidence_text.ilike(f"%{esc}%", escape="\\"))))
        return q

    def iter_events(self, *, actor: str | None = None, with_: str | None = None, type: str | None = None,
                    mode: str | None = None, framework: str | None = None, since: str | None = None,
                    until: str | None = None, status: str | None = None, source: str | None = None,
                    text: str | None = None, limit: int | None = None, reports: bool = False,
                    min_sources: int | None = None, offset: int | None = None) -> Iterator[dict]:
        """Events matching every given filter, oldest first; dicts as in event.schema.json plus "source".

        By default one dict per event (reports of one event clustered, latticework.cluster): the
        representative report's fields, `event_id` the event's, `report_id` the representative's, and
        the counts n_reports, n_documents, n_stories, n_sources, first_seen, last_seen. With
        `reports=True`, one dict per coded report, as stored; `min_sources` keeps events reported by at
        least that many distinct sources. `offset` skips that many of the matches (a page: offset
        and limit; the order is total, so pages never overlap)."""
        q = self._event_query(actor=actor, with_=with_, type=type, mode=mode, framework=framework, since=since,
                              until=until, status=status, source=source, text=text, reports=reports,
                              min_sources=min_sources)
        q = q.order_by(m.events.c.date_lo, m.events.c.event_id)
        if limit is not None:
            q = q.limit(limit)
        if offset:
            q = q.offset(offset)
        try:
            with self.engine.connect() as conn:
                # A page (limit ≤ PAGE_AT_ONCE) is fetched in one go: a server-side cursor makes
                # PostgreSQL plan for the first 10 % of rows (cursor_tuple_fraction), which for a
                # selective filter walks the whole date index (a dyad page: 850 ms instead of 10 ms).
                streamed = limit is None or limit > PAGE_AT_ONCE
                result = conn.execution_options(yield_per=1000).execute(q) if streamed else conn.execute(q)
                for chunk in result.mappings().partitions(1000):
                    parts = self._participants(conn, [r["event_id"] for r in chunk])
                    for r in chunk:
                        yield _event_dict(r, parts.get(r["event_id"], {}))
        except DBAPIError as exc:
            raise StoreError(_describe(exc, self.url)) from None

    def count_events(self, **filters: Any) -> int:
        """How many events (or, with reports=True, reports) match the filters of iter_events."""
        q = sa.select(sa.func.count()).select_from(self._event_query(**filters).subquery())
        return int(self._read(lambda c: c.execute(q).scalar_one()))

    @staticmethod
    def _participants(conn: Connection, ids: list[str]) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        if not ids:
            return out
        rows = conn.execute(_PARTS_QUERY, {"ids": ids})
        for eid, role, actor in rows:
            out.setdefault(eid, {"actor": [], "target": []})[role].append(actor)
        return out

    def resolve_id(self, given: str) -> tuple[str, str] | None:
        """("event" | "report", full id) for an event or report id or a unique prefix of one (like
        git); None when nothing matches; StoreError naming a few candidates when the prefix is ambiguous."""
        return self._read(lambda conn: _resolve(conn, given))

    def get_event(self, event_id: str) -> dict | None:
        """The event or report with this id (or unique id prefix), plus {"document": metadata and text}
        when the store holds its document; an event also lists every one of its reports.
        One connection; an exact id costs one lookup before the event's own queries."""

        def go(conn: Connection) -> dict | None:
            c, e = m.event_clusters, m.events
            cl = conn.execute(sa.select(c).where(c.c.cluster_id == event_id)).mappings().first()
            row = None
            if cl is None:
                row = conn.execute(sa.select(e).where(e.c.event_id == event_id)).mappings().first()
            if cl is None and row is None:
                which = _resolve(conn, event_id)
                if which is None:
                    return None
                if which[0] == "event":
                    cl = conn.execute(sa.select(c).where(c.c.cluster_id == which[1])).mappings().first()
                else:
                    row = conn.execute(sa.select(e).where(e.c.event_id == which[1])).mappings().first()
            if cl is not None:
                row = conn.execute(sa.select(e).where(e.c.event_id == cl["rep_id"])).mappings().first()
            if row is None:
                return None
            rid = row["event_id"]
            ev = _event_dict(row, self._participants(conn, [rid]).get(rid, {}))
            if cl is not None:
                ev["report_id"], ev["event_id"] = rid, cl["cluster_id"]
                for k in ("n_reports", "n_documents", "n_stories", "n_sources", "first_seen", "last_seen"):
                    ev[k] = cl[k]
                dt = m.documents
                ev["reports"] = [
                    {"report_id": r.event_id, "doc_id": r.doc_id, "source": r.source or r.origin,
                     "published": r.seen, "date": r.date, "evidence": r.evidence_text}
                    for r in conn.execute(
                        sa.select(e.c.event_id, e.c.doc_id, e.c.origin, e.c.seen, e.c.date, e.c.evidence_text,
                                  dt.c.source).outerjoin(dt, sa.and_(dt.c.id == e.c.doc_id, e.c.origin == "text"))
                        .where(e.c.cluster_id == cl["cluster_id"]).order_by(e.c.seen, e.c.event_id))]
            ev["coder_version"] = row["coder_version"]
            ev["run_id"] = row["run_id"]
            doc = None
            if row["origin"] == "text" and row["doc_id"] is not None:
                d = conn.execute(sa.select(m.documents).where(m.documents.c.id == row["doc_id"])).mappings().first()
                if d is not None:
                    doc = {k: d[k] for k in ("id", "version", "title", "source", "url", "published", "language",
                                             "content_hash", "coder_version", "text")}
                    doc["ingested_at"] = str(d["ingested_at"])
            ev["document"] = doc
            return ev

        return self._read(go)

    # -- corrections ----------------------------------------------------------------------

    def correct(self, action: str, *, report_id: str | None = None, doc_id: str | None = None,
                event: dict | None = None, author: str | None = None, note: str | None = None) -> dict:
        """Record an analyst's correction and apply it at once (latticework.store.corrections).

        accept / reject / edit name a coded report (id or unique prefix; an event id names its
        representative report); edit gives the fields to change in `event`. add gives `doc_id` and the
        whole `event`, whose `evidence` is {"start", "end"} in the document's text (or {"text"} found
        in it). Raises StoreError with a one-line reason for anything that cannot be applied."""
        if action not in corrections.ACTIONS:
            raise StoreError(f"unknown correction {action!r} (one of {', '.join(corrections.ACTIONS)})")
        event = dict(event or {})
        evidence = event.pop("evidence", None) or {}
        if action == "add":
            if not doc_id:
                raise StoreError("an added event needs the id of its document")
            bad = corrections.check_event(event, whole=True)
        elif action == "edit":
            bad = corrections.check_event(event, whole=False) or (None if event else "an edit needs fields to change")
        else:
            bad = None if not event else f"{action} takes no fields"
        if bad:
            raise StoreError(bad)
        target = None
        if action != "add":
            if not report_id:
                raise StoreError(f"{action} needs the id of a report or event")
            found = self.resolve_id(report_id)
            if found is None:
                raise StoreError(f"no event or report {report_id!r}")
            target = found[1]

        def go(conn: Connection) -> dict:
            e, d, c = m.events, m.documents, m.event_clusters
            nonlocal doc_id
            original = None
            rid: str | None = None
            if target is not None:
                rid = target
                rep = conn.execute(sa.select(c.c.rep_id).where(c.c.cluster_id == rid)).scalar()
                rid = rep or rid
                row = conn.execute(sa.select(e).where(e.c.event_id == rid)).mappings().first()
                if row is None or row["origin"] != "text":
                    raise StoreError(f"{report_id!r} is not a report coded from a stored document")
                parts = self._participants(conn, [rid]).get(rid, {})
                original = {"type": row["type"], "mode": row["mode"], "actors": parts.get("actor", []),
                            "targets": parts.get("target", [])}
                doc_id = row["doc_id"]
                start, end = row["evidence_start"], row["evidence_end"]
            doc = conn.execute(sa.select(d.c.id, d.c.text, d.c.content_hash).where(d.c.id == doc_id)).first()
            if doc is None:
                raise StoreError(f"no document {doc_id!r} in the database")
            if target is None:
                start, end = evidence.get("start"), evidence.get("end")
                if start is None and evidence.get("text"):
                    at = doc.text.find(evidence["text"])
                    start, end = (at, at + len(evidence["text"])) if at >= 0 else (None, None)
                if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(doc.text)):
                    raise StoreError("an added event needs an evidence span (start < end) inside its document")
            values = {"action": action, "doc_id": doc_id, "content_hash": doc.content_hash, "report_id": rid,
                      "evidence_start": start, "evidence_end": end, "evidence_text": doc.text[start:end],
                      "original": original, "event": event or None, "author": author, "note": note,
                      "created_at": _now(), "state": "new", "applied_to": None}
            new_id = conn.execute(m.corrections.insert().values(**values).returning(m.corrections.c.id)).scalar_one()
            clusters.recluster(conn, corrections.apply(self, conn, [str(doc_id)]))
            got = conn.execute(sa.select(m.corrections).where(m.corrections.c.id == new_id)).mappings().one()
            return _correction_dict(got)

        return self._write(go)

    def corrections(self, *, doc_id: str | None = None, state: str | None = None) -> list[dict]:
        """Every correction (of one document, or in one state: applied | orphaned), oldest first."""
        c = m.corrections
        q = sa.select(c).order_by(c.c.id)
        if doc_id:
            q = q.where(c.c.doc_id == doc_id)
        if state:
            q = q.where(c.c.state == state)
        return self._read(lambda conn: [_correction_dict(r) for r in conn.execute(q).mappings()])

    def corrections_gold(self) -> list[dict]:
        """The documents an analyst corrected, as gold lines for the reference scorer: each with its
        accepted, corrected and added reports (rejected and unreviewed ones are not events of the gold)."""
        c, e, d = m.corrections, m.events, m.documents

        def go(conn: Connection) -> list[dict]:
            docs = sorted({r for (r,) in conn.execute(sa.select(c.c.doc_id).where(c.c.state == "applied"))})
            rows: list[dict] = []
            for i in range(0, len(docs), 500):
                part = docs[i:i + 500]
                published = dict(conn.execute(sa.select(d.c.id, d.c.published).where(d.c.id.in_(part))).all())
                rows += [{"doc_id": k, "published": published.get(k), "event": None} for k in part]
                reps = conn.execute(sa.select(e).where(e.c.doc_id.in_(part), e.c.origin == "text",
                                                       e.c.provenance.in_(("accepted", "corrected", "added")))
                                    .order_by(e.c.doc_id, e.c.evidence_start, e.c.event_id)).mappings().all()
                parts = self._participants(conn, [r["event_id"] for r in reps])
                for r in reps:
                    ev = _event_dict(r, parts.get(r["event_id"], {}))
                    rows.append({"doc_id": r["doc_id"], "published": published.get(r["doc_id"]), "event": {
                        k: ev.get(k) for k in ("type", "mode", "actors", "targets", "date", "status", "framework",
                                               "location", "hedged")} | {"required": True,
                                                                         "note": f"{r['provenance']} by an analyst"}})
            return corrections.gold_lines(rows)

        return self._read(go)

    # -- recode ---------------------------------------------------------------------------

    def recode(self, coder: EventCoder | None = None, *, jobs: int = 1, data_dirs: Sequence[str] = (),
               progress: bool = True, batch: int = 100) -> RecodeReport:
        """Re-code documents last coded by another coder version, and any whose stored events are not
        those of their current text (see _inconsistent); report how their events changed.

        `coder` and `jobs` as for `ingest`: coding may run in worker processes, writes stay here."""
        from latticework.parallel import CodingError, CodingPool

        with CodingPool(jobs, data_dirs, coder=coder) as pool:
            version = pool.version
            report = RecodeReport(coder_version=version)
            d = m.documents
            def pick(conn: Connection) -> list[str]:
                stale = set(conn.scalars(sa.select(d.c.id).where(d.c.coder_version != version)))
                return sorted(stale | self._inconsistent(conn))

            todo = self._read(pick)
            run_id = self._start_run("recode", version, None)
            report.run_id = run_id
            status = "failed"
            bar = _Progress(progress, "recode", total=len(todo))

            def feed() -> Iterator[Document | _RecodeBatch]:
                for i in range(0, len(todo), batch):
                    ids = todo[i:i + batch]
                    rows = self._read(lambda c, ids=ids: c.execute(  # type: ignore[misc]
                        sa.select(d).where(d.c.id.in_(ids))).mappings().all())
                    for r in rows:
                        yield Document(id=r["id"], text=r["text"], published=r["published"], title=r["title"],
                                       source=r["source"], url=r["url"], language=r["language"],
                                       origin=f"document {r['id']}")
                    yield _RecodeBatch([dict(r) for r in rows], len(ids))

            try:
                with bar:
                    events: dict[str, list[dict]] = {}
                    recoded = 0
                    for item, result in pool.code(feed()):
                        if isinstance(item, _RecodeBatch):
                            coded = [(r, events[r["id"]]) for r in item.rows if r["id"] in events]
                            events = {}
                            self._recode_write(coded, version, report, run_id)
                            bar.advance(item.size)
                            recoded += item.size
                            if recoded >= CLUSTER_EVERY:
                                self.cluster_pending()
                                recoded = 0
                            continue
                        assert isinstance(item, Document)
                        try:
                            if isinstance(result, CodingError):
                                raise result
                            events[item.id] = [self._prepare_event(e, item.id, n) for n, e in enumerate(result or [])]
                        except Exception as exc:  # noqa: BLE001 - report and go on
                            shown = exc if isinstance(exc, CodingError) else f"{type(exc).__name__}: {exc}"
                            report.problems.append(f"document {item.id!r}: coder failed: {shown}")
                self.cluster_pending()
                status = "done"
            finally:
                self._finish_run(run_id, status, n_updated=report.changed, n_events=report.events_after,
                                 n_problems=len(report.problems))
        return report

    def _recode_write(self, coded: list[tuple[dict, list[dict]]], version: str, report: RecodeReport,
                      run_id: int) -> None:
        """Replace the events of one batch of recoded documents in one transaction; count the changes.

        Compare-and-set: a document is written only if it still has the version and content hash that
        were read and coded; one that another writer (an `ingest` of a new version) changed meanwhile
        is left as that writer stored it, since its events are already those of its new text."""
        d = m.documents

        def go(conn: Connection) -> RecodeReport:
            delta = RecodeReport()
            now = _now()
            current = self._existing(conn, [r["id"] for r, _ in coded], lock=True)
            kept = [(r, evs) for r, evs in coded if current.get(r["id"]) == (r["content_hash"], r["version"])]
            delta.superseded = len(coded) - len(kept)
            if not kept:
                return delta
            ids = [r["id"] for r, _ in kept]
            before = self._signatures(conn, ids)
            old_blocks = self._delete_doc_events(conn, ids)
            ev_rows, part_rows, hist = [], [], []
            for r, evs in kept:
                new_sigs: Counter = Counter()
                for ev in evs:
                    er, pr = self._event_rows(ev, "text", version, run_id, r["published"], r["version"],
                                              (r.get("story_id") or r["id"], r.get("story_source")))
                    ev_rows.append(er)
                    part_rows.extend(pr)
                    new_sigs[_signature(ev)] += 1
                old_sigs = before.get(r["id"], Counter())
                delta.documents += 1
                delta.events_before += sum(old_sigs.values())
                delta.events_after += len(evs)
                if old_sigs != new_sigs:
                    delta.changed += 1
                    for sig, n in (new_sigs - old_sigs).items():
                        delta.added[sig[0]] += n
                    for sig, n in (old_sigs - new_sigs).items():
                        delta.removed[sig[0]] += n
                hist.append({"doc_id": r["id"], "doc_version": r["version"], "content_hash": r["content_hash"],
                             "coder_version": version, "run_id": run_id, "coded_at": now,
                             "n_events": len(evs)})
            self._insert_events(conn, ev_rows, part_rows, old_blocks, docs=ids, defer=True)
            conn.execute(d.update().where(d.c.id.in_(ids)).values(coder_version=version))
            conn.execute(m.codings.insert(), hist)
            return delta

        if coded:
            delta = self._write(go)  # counted only once committed (go may run again after a deadlock)
            report.documents += delta.documents
            report.changed += delta.changed
            report.events_before += delta.events_before
            report.events_after += delta.events_after
            report.added.update(delta.added)
            report.removed.update(delta.removed)
            report.superseded += delta.superseded

    def _signatures(self, conn: Connection, doc_ids: list[str]) -> dict[str, Counter]:
        e = m.events
        rows = conn.execute(sa.select(e.c.event_id, e.c.doc_id, e.c.type, e.c.mode, e.c.date, e.c.status)
                            .where(e.c.doc_id.in_(doc_ids), e.c.origin == "text")).all()
        parts = self._participants(conn, [r[0] for r in rows])
        out: dict[str, Counter] = {}
        for eid, doc_id, typ, mode, when, status in rows:
            p = parts.get(eid, {})
            ev = {"type": typ, "mode": mode, "date": when, "status": status,
                  "actors": p.get("actor", []), "targets": p.get("target", [])}
            out.setdefault(doc_id, Counter())[_signature(ev)] += 1
        return out

    # -- summaries ------------------------------------------------------------------------

    def actors(self, *, top_partners: int = 5) -> list[dict]:
        """Every actor with its event count and the actors it most often shares events with."""
        p, a = m.participants, m.actors

        def go(conn: Connection) -> list[dict]:
            # events, not reports: only the representative report of each event is counted
            reps = sa.select(m.event_clusters.c.rep_id)
            counts: dict[str, int] = dict(conn.execute(sa.select(p.c.actor, sa.func.count(sa.distinct(p.c.event_id)))
                                       .where(p.c.event_id.in_(reps)).group_by(p.c.actor)).all())
            p2 = p.alias("p2")
            pairs = conn.execute(
                sa.select(p.c.actor, p2.c.actor, sa.func.count(sa.distinct(p.c.event_id)))
                .join(p2, sa.and_(p2.c.event_id == p.c.event_id, p2.c.actor != p.c.actor))
                .where(p.c.event_id.in_(reps)).group_by(p.c.actor, p2.c.actor)).all()
            partners: dict[str, list[tuple[int, str]]] = {}
            for x, y, n in pairs:
                partners.setdefault(x, []).append((n, y))
            out = []
            for code, name, kind in conn.execute(sa.select(a.c.code, a.c.name, a.c.kind)).all():
                top = sorted(partners.get(code, []), key=lambda t: (-t[0], t[1]))[:top_partners]
                out.append({"code": code, "name": name, "kind": kind, "events": int(counts.get(code, 0)),
                            "partners": len(partners.get(code, [])),
                            "with": ", ".join(f"{y} ({n})" for n, y in top)})
            out.sort(key=lambda r: (-r["events"], r["code"]))
            return out

        return self._read(go)

    def stats(self, *, top: int = 15) -> dict:
        """Counts by type, month, actor and source: the first look at a store. Everything is counted
        in events (clustered reports), except `reports`, `stories` and the document tables."""
        e, p, d, r, c = m.events, m.participants, m.documents, m.runs, m.event_clusters
        reps = e.join(c, c.c.rep_id == e.c.event_id)

        def grouped(conn: Connection, col: Any, limit: int | None = None, order_by_key: bool = False,
                    frm: Any = reps) -> list:
            q = sa.select(col.label("k"), sa.func.count().label("n")).select_from(frm).group_by(col)
            q = q.order_by(col) if order_by_key else q.order_by(sa.func.count().desc(), col)
            if limit:
                q = q.limit(limit)
            return [[k, int(n)] for k, n in conn.execute(q).all()]

        def count(conn: Connection, q: Any) -> int:
            return int(conn.execute(q).scalar_one())

        def go(conn: Connection) -> dict:
            month = sa.func.substr(e.c.date_lo, 1, 7)
            last = conn.execute(sa.select(r).order_by(r.c.id.desc()).limit(1)).mappings().first()
            n_actor = sa.func.count(sa.distinct(p.c.event_id))
            return {
                "documents": count(conn, sa.select(sa.func.count()).select_from(d)),
                "stories": count(conn, sa.select(sa.func.count(sa.distinct(sa.func.coalesce(d.c.story_id, d.c.id))))),
                "events": count(conn, sa.select(sa.func.count()).select_from(c)),
                "reports": count(conn, sa.select(sa.func.count()).select_from(e)),
                "actors": count(conn, sa.select(sa.func.count()).select_from(m.actors)),
                "runs": count(conn, sa.select(sa.func.count()).select_from(r)),
                "by_type": grouped(conn, e.c.type),
                "by_month": grouped(conn, month, order_by_key=True),
                "by_actor": [[k, int(n)] for k, n in conn.execute(
                    sa.select(p.c.actor, n_actor).select_from(p.join(c, c.c.rep_id == p.c.event_id))
                    .group_by(p.c.actor).order_by(n_actor.desc(), p.c.actor).limit(top)).all()],
                "by_source": grouped(conn, e.c.origin),
                "by_document_source": grouped(conn, d.c.source, frm=d),
                "coder_versions": grouped(conn, d.c.coder_version, frm=d),
                "last_run": None if last is None else {k: (str(v) if isinstance(v, datetime) else v)
                                                       for k, v in last.items()},
            }

        return self._read(go)


# Prebuilt once: an expanding bind parameter skips per-call coercion of long id lists.
_PARTS_QUERY = (sa.select(m.participants.c.event_id, m.participants.c.role, m.participants.c.actor)
                .where(m.participants.c.event_id.in_(sa.bindparam("ids", expanding=True)))
                .order_by(m.participants.c.event_id, m.participants.c.role, m.participants.c.position))


def _signature(ev: dict) -> tuple:
    return (ev.get("type"), ev.get("mode"), tuple(sorted(ev.get("actors") or [])),
            tuple(sorted(ev.get("targets") or [])), ev.get("date"), ev.get("status"))


def _event_dict(r: Any, parts: dict[str, list[str]]) -> dict:
    loc = None
    if r["location_name"] is not None or r["location_country"] is not None:
        loc = {"name": r["location_name"], "country": r["location_country"]}
    ev = {
        "doc_id": r["doc_id"], "event_id": r["event_id"], "type": r["type"], "mode": r["mode"],
        "actors": parts.get("actor", []), "targets": parts.get("target", []), "framework": r["framework"],
        "date": r["date"], "status": r["status"], "hedged": bool(r["hedged"]), "location": loc,
        "evidence": {"text": r["evidence_text"], "start": r["evidence_start"], "end": r["evidence_end"]},
        "confidence": r["confidence"], "cameo": r["cameo"], "source": r["origin"],
        "provenance": r["provenance"] if "provenance" in r.keys() else None,
    }
    if r["extra"]:
        extra = json.loads(r["extra"]) if isinstance(r["extra"], str) else r["extra"]
        for k, v in extra.items():
            ev.setdefault(k, v)
    keys = r.keys()
    if "_cluster" in keys:
        ev["report_id"], ev["event_id"] = r["event_id"], r["_cluster"]
        for k in ("n_reports", "n_documents", "n_stories", "n_sources", "first_seen", "last_seen"):
            ev[k] = r[k]
    else:
        ev["cluster_id"] = r["cluster_id"]
    return ev


def _resolve(conn: Connection, given: str) -> tuple[str, str] | None:
    """Store.resolve_id inside the caller's connection."""
    c, e = m.event_clusters, m.events
    for kind, col in (("event", c.c.cluster_id), ("report", e.c.event_id)):
        if conn.execute(sa.select(col).where(col == given)).first() is not None:
            return kind, given
    esc = given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    found: list[tuple[str, str]] = []
    for kind, col in (("event", c.c.cluster_id), ("report", e.c.event_id)):
        found += [(kind, x) for (x,) in conn.execute(
            sa.select(col).where(col.like(esc, escape="\\")).order_by(col).limit(6))]
    if len(found) > 1:
        shown_ids = ", ".join(x for _, x in found[:5])
        raise StoreError(f"id prefix {given!r} is ambiguous: {shown_ids}{' …' if len(found) > 5 else ''}")
    return found[0] if found else None


def _day_range_of(option: str, value: str) -> tuple[str, str]:
    """The days of a window bound; the whole value must be a date, from Python as from the CLI
    (latticework.validate.date_option), else StoreError naming the option."""
    from latticework.validate import date_option

    try:
        rng = day_range(date_option(option, value))
    except ValueError as exc:
        raise StoreError(str(exc)) from None
    assert rng is not None  # date_option accepted it, so it is a day range
    return rng


def _correction_dict(r: Any) -> dict:
    out = dict(r)
    for k in ("original", "event"):
        if isinstance(out.get(k), str):
            out[k] = json.loads(out[k])
    out["created_at"] = str(out["created_at"])
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Progress:
    """A Rich progress bar on stderr, or nothing when progress is off."""

    def __init__(self, enabled: bool, label: str, total: int | None = None) -> None:
        self.enabled = enabled
        self.label = label
        self.total = total
        self._p: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._p = Progress(SpinnerColumn(), TextColumn(f"{self.label}"), BarColumn(), MofNCompleteColumn(),
                               TimeElapsedColumn(), console=Console(stderr=True), transient=False)
            self._p.__enter__()
            self._task = self._p.add_task(self.label, total=self.total)
        return self

    def advance(self, n: int = 1) -> None:
        if self._p is not None:
            self._p.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._p is not None:
            self._p.__exit__(None, None, None)
