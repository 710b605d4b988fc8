"""Reading stored documents a page at a time, and one document with the reports coded from it.

Used by the web API (latticework.serve); the queries are SQLAlchemy expressions over the store's
tables (no SQL text), run on the store's engine, and a database error becomes a StoreError as in
Store's own reads.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from latticework.store import models as m
from latticework.store.core import Store, StoreError, _describe, _event_dict

#: Document fields of a listing row (the text is left out: a page of 100 articles would be megabytes).
LISTED = ("id", "title", "source", "url", "published")


def _read(store: Store, fn: Any) -> Any:
    try:
        with store.engine.connect() as conn:
            return fn(conn)
    except DBAPIError as exc:
        raise StoreError(_describe(exc, store.url)) from None


def _n_reports() -> Any:
    """How many text-coded reports a document holds (a correlated count, served by the doc_id index)."""
    e, d = m.events, m.documents
    return (sa.select(sa.func.count()).select_from(e)
            .where(e.c.doc_id == d.c.id, e.c.origin == "text").scalar_subquery())


def count_documents(store: Store, *, source: str | None = None) -> int:
    """How many documents the store holds (of that `source`, when given)."""
    d = m.documents
    q = sa.select(sa.func.count()).select_from(d)
    if source is not None:
        q = q.where(d.c.source == source)
    return int(_read(store, lambda conn: conn.execute(q).scalar_one()))


def list_documents(store: Store, *, limit: int = 100, offset: int = 0, source: str | None = None) -> list[dict]:
    """One page of documents in id order: id, title, source, url, published and n_reports."""
    d = m.documents
    q = sa.select(*(d.c[k] for k in LISTED), _n_reports().label("n_reports")).order_by(d.c.id)
    if source is not None:
        q = q.where(d.c.source == source)
    q = q.limit(limit).offset(offset)
    return [dict(r) for r in _read(store, lambda conn: conn.execute(q).mappings().all())]


def document_reports(conn: Any, doc_ids: list[str]) -> dict[str, list[dict]]:
    """The text-coded reports of each document, in the order of their evidence in the text.

    Each is an event dict as Store.iter_events(reports=True) gives it, except that `report_id` is the
    report's id and `event_id` the id of the event (cluster) it belongs to, as at the event level."""
    e = m.events
    out: dict[str, list[dict]] = {i: [] for i in doc_ids}
    if not doc_ids:
        return out
    rows = conn.execute(sa.select(e).where(e.c.doc_id.in_(doc_ids), e.c.origin == "text")
                        .order_by(e.c.doc_id, e.c.evidence_start, e.c.event_id)).mappings().all()
    parts = Store._participants(conn, [r["event_id"] for r in rows])
    for r in rows:
        ev = _event_dict(r, parts.get(r["event_id"], {}))
        ev["report_id"], ev["event_id"] = ev["event_id"], ev.pop("cluster_id", None)
        out[r["doc_id"]].append(ev)
    return out


def get_document(store: Store, doc_id: str) -> dict | None:
    """The document with its text and metadata, and `reports` (document_reports); None if not stored."""
    d = m.documents

    def go(conn: Any) -> dict | None:
        row = conn.execute(sa.select(d).where(d.c.id == doc_id)).mappings().first()
        if row is None:
            return None
        doc = {k: row[k] for k in ("id", "title", "source", "url", "published", "language", "version",
                                   "content_hash", "coder_version", "story_id", "text")}
        doc["ingested_at"] = None if row["ingested_at"] is None else str(row["ingested_at"])
        doc["reports"] = document_reports(conn, [doc_id])[doc_id]
        doc["n_reports"] = len(doc["reports"])
        return doc

    return _read(store, go)  # type: ignore[no-any-return]


def event_ids_of_documents(store: Store, doc_ids: list[str]) -> list[str]:
    """The ids of the events (clusters) that hold a report of any of these documents, in report order."""
    e = m.events

    def go(conn: Any) -> list[str]:
        found: list[str] = []
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i:i + 500]
            found += [c for (c,) in conn.execute(
                sa.select(e.c.cluster_id).where(e.c.doc_id.in_(chunk), e.c.origin == "text", e.c.cluster_id.is_not(None))
                .order_by(e.c.doc_id, e.c.evidence_start, e.c.event_id))]
        return list(dict.fromkeys(found))

    return _read(store, go)  # type: ignore[no-any-return]


def event_date_range(store: Store) -> tuple[str | None, str | None]:
    """The first and last day any stored event can fall on (date_lo, date_hi), or (None, None)."""
    e = m.events
    lo, hi = _read(store, lambda conn: conn.execute(sa.select(sa.func.min(e.c.date_lo), sa.func.max(e.c.date_hi))).one())
    return lo, hi


#: While a run is going on, write_mark changes every this many seconds (its batches commit as it goes).
RUNNING_TICK = 5.0


def write_mark(store: Store) -> tuple:
    """A fingerprint that changes with every write: the last run (ingest, recode, import) and its state,
    and the last correction. Three primary-key lookups, so it costs well under a millisecond even at
    100k documents. A run still going on commits batch after batch without changing its row, so then
    the mark also changes every RUNNING_TICK seconds: what is cached on it is at most that stale."""
    def go(conn: Any) -> tuple:
        last_id, status, finished, fixed = conn.execute(_WRITE_MARK).one()
        tick = int(time.time() / RUNNING_TICK) if status == "running" else None
        return (last_id, status, finished, fixed, tick)

    return _read(store, go)  # type: ignore[no-any-return]


def _last(col: Any, order: Any) -> Any:
    return sa.select(col).order_by(order.desc()).limit(1).scalar_subquery()


# One round trip: the last run's id, status and end, and the last correction's id (index lookups).
_WRITE_MARK = sa.select(_last(m.runs.c.id, m.runs.c.id), _last(m.runs.c.status, m.runs.c.id),
                        _last(m.runs.c.finished_at, m.runs.c.id), _last(m.corrections.c.id, m.corrections.c.id))


def data_version(store: Store) -> tuple:
    """A fingerprint of what the store holds: it changes whenever a run (ingest, recode, import) starts
    or finishes, a correction is made, or the number of reports changes; caches of computed views key
    on it."""
    r, e, c = m.runs, m.events, m.corrections

    def go(conn: Any) -> tuple:
        last = conn.execute(sa.select(r.c.id, r.c.status, r.c.finished_at).order_by(r.c.id.desc()).limit(1)).first()
        n = conn.execute(sa.select(sa.func.count()).select_from(e)).scalar_one()
        fixed = conn.execute(sa.select(sa.func.count(), sa.func.max(c.c.id)).select_from(c)).one()
        return (tuple(last) if last else None, int(n), tuple(fixed))

    return _read(store, go)  # type: ignore[no-any-return]
