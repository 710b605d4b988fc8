"""The store's side of reports → events (the rule itself is latticework.cluster).

Kept current inside every write transaction: a write names the blocks it touched (those of the
reports it removed and of those it added), and each of those blocks is clustered again from all of
its stored reports. A block is one type, status, set of participants and year, so this reads a few
rows per write, and because the rule depends only on the set of reports, the result is the same
whatever order documents arrived in and survives `recode`. On PostgreSQL each block is locked for the
transaction (an advisory lock), so two writers adding reports to one block cannot miss each other.

Stories: a document's MinHash signature and LSH bands are stored; a new document that nearly copies a
stored one (latticework.cluster.DUPLICATE_JACCARD) takes that document's story and story source.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from latticework import cluster
from latticework.store import models as m
from latticework.store.bulk import bulk_insert

_CHUNK = 500


def _chunks(items: list[Any], n: int = _CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


# ------------------------------------------------------------------------------------------- stories

class Stories:
    """Assigns stories to the documents of one write transaction, in order.

    `prepare` computes the signatures of a whole batch and looks up the stored documents that share
    a band with any of them in one query per few hundred bands; `assign` then decides document by
    document, earlier documents of the batch included."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: dict[str, tuple[np.ndarray, list[str], str, str | None]] = {}
        self.batch_bands: dict[str, list[str]] = defaultdict(list)
        self.prepared: dict[str, tuple[np.ndarray, list[str]]] = {}
        self.stored_bands: dict[str, list[str]] = defaultdict(list)
        self.stored: dict[str, tuple[np.ndarray, str, str | None, str]] = {}

    def prepare(self, docs: Iterable[tuple[str, str]]) -> None:
        """Signatures of (doc id, text) pairs, and the stored candidates that share a band with them."""
        new = [(i, t) for i, t in docs if i not in self.prepared]
        for doc_id, text in new:
            sig = cluster.signature(text)
            self.prepared[doc_id] = (sig, cluster.bands(sig))
        keys = sorted({k for i, _ in new for k in self.prepared[i][1]})
        b, d, s = m.doc_bands, m.documents, m.doc_signatures
        found: set[str] = set()
        for part in _chunks(keys):
            for band, cid in self.conn.execute(sa.select(b.c.band, b.c.doc_id).where(b.c.band.in_(part))):
                self.stored_bands[band].append(cid)
                found.add(cid)
        for part in _chunks(sorted(found - set(self.stored))):
            rows = self.conn.execute(sa.select(s.c.doc_id, s.c.signature, d.c.story_id, d.c.story_source,
                                               d.c.published).join(d, d.c.id == s.c.doc_id)
                                     .where(s.c.doc_id.in_(part)))
            for cid, blob, sid, ssrc, pub in rows:
                self.stored[cid] = (np.frombuffer(blob, dtype=np.uint32), sid or cid, ssrc, pub or "")

    def assign(self, doc_id: str, text: str, source: str | None) -> tuple[str, str | None]:
        """(story id, story source) of a document about to be written: the story of the stored or
        earlier document it nearly copies (the earliest published such, then the smallest id), else its own."""
        if doc_id not in self.prepared:
            self.prepare([(doc_id, text)])
        sig, keys = self.prepared[doc_id]
        best: tuple[tuple[str, str], str, str | None] | None = None
        seen: set[str] = {doc_id}
        for k in keys:
            for cid in self.stored_bands.get(k, []):
                if cid in seen or cid in self.pending or cid not in self.stored:
                    continue
                seen.add(cid)
                csig, sid, ssrc, pub = self.stored[cid]
                if cluster.similarity(sig, csig) >= cluster.DUPLICATE_JACCARD:
                    rank = (pub or "9999", cid)
                    if best is None or rank < best[0]:
                        best = (rank, sid, ssrc)
            for cid in self.batch_bands.get(k, []):
                if cid in seen:
                    continue
                seen.add(cid)
                csig, _, sid, ssrc = self.pending[cid]
                if cluster.similarity(sig, csig) >= cluster.DUPLICATE_JACCARD:
                    rank = ("", cid)  # earlier in this batch: written just now
                    if best is None or rank < best[0]:
                        best = (rank, sid, ssrc)
        story, story_source = (best[1], best[2]) if best else (doc_id, source)
        self.pending[doc_id] = (sig, keys, story, story_source)
        for k in keys:
            self.batch_bands[k].append(doc_id)
        return story, story_source

    def write(self, replaced: Iterable[str]) -> None:
        """Store the signatures and bands of the documents assigned (after the documents rows)."""
        old = list(replaced)
        for part in _chunks(old):
            self.conn.execute(m.doc_bands.delete().where(m.doc_bands.c.doc_id.in_(part)))
            self.conn.execute(m.doc_signatures.delete().where(m.doc_signatures.c.doc_id.in_(part)))
        if not self.pending:
            return
        bulk_insert(self.conn, m.doc_signatures, [{"doc_id": k, "signature": v[0].tobytes()}
                                                  for k, v in self.pending.items()])
        filled = {band: len(ids) for band, ids in self.stored_bands.items()}
        rows = []
        for k, v in self.pending.items():
            for band in dict.fromkeys(v[1]):
                if filled.get(band, 0) < cluster.BUCKET_LIMIT:  # full buckets take no more members
                    filled[band] = filled.get(band, 0) + 1
                    rows.append({"band": band, "doc_id": k})
        if rows:
            bulk_insert(self.conn, m.doc_bands, rows)


def source_key(origin: str, doc_id: str | None, story: tuple[str, str | None] | None) -> str:
    """What one report counts as when distinct sources are counted (see latticework.cluster)."""
    if origin == "text" and story is not None:
        return story[1] or story[0]
    return f"{origin}:{doc_id or ''}"


# ---------------------------------------------------------------------------------------- clustering

def blocks_of(conn: Connection, *, doc_ids: list[str] | None = None, event_ids: list[str] | None = None,
              origin: str | None = None) -> set[str]:
    """The blocks of the stored reports of these documents (or with these ids), before they change."""
    e = m.events
    out: set[str] = set()
    for col, ids in ((e.c.doc_id, doc_ids), (e.c.event_id, event_ids)):
        for part in _chunks(list(ids or [])):
            q = sa.select(e.c.block_key).distinct().where(col.in_(part), e.c.block_key.is_not(None))
            if origin is not None:
                q = q.where(e.c.origin == origin)
            out.update(k for (k,) in conn.execute(q))
    return out


def _lock(conn: Connection, blocks: list[str]) -> None:
    if conn.dialect.name != "postgresql":
        return  # SQLite: the write transaction already holds the database's only write lock
    # one round trip; the keys in one sorted order, so two writers cannot each hold what the other waits for
    keys = sorted({zlib.crc32(b.encode()) - 2**31 for b in blocks})
    conn.execute(sa.text("SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k "
                         "ORDER BY k) AS locks"), {"keys": keys})


def recluster(conn: Connection, blocks: Iterable[str]) -> int:
    """Cluster again every report of these blocks; returns how many events they now hold."""
    keys = sorted(set(blocks))
    if not keys:
        return 0
    _lock(conn, keys)
    e, d, c = m.events, m.documents, m.event_clusters
    by_block: dict[str, list[cluster.Report]] = defaultdict(list)
    current: dict[str, str | None] = {}
    for part in _chunks(keys):
        rows = conn.execute(
            sa.select(e.c.event_id, e.c.block_key, e.c.cluster_id, e.c.doc_id, e.c.origin, e.c.date, e.c.seen,
                      e.c.location_country, e.c.confidence, e.c.source_key, d.c.story_id)
            .outerjoin(d, sa.and_(d.c.id == e.c.doc_id, e.c.origin == "text"))
            .where(e.c.block_key.in_(part)))
        for r in rows:
            current[r.event_id] = r.cluster_id
            rep = cluster.Report.of({"event_id": r.event_id, "date": r.date, "published": r.seen,
                                     "location": {"country": r.location_country}, "doc_id": r.doc_id,
                                     "confidence": r.confidence, "source_key": r.source_key,
                                     "story": r.story_id or (r.doc_id if r.origin == "text" else None)
                                     or r.event_id})
            by_block[r.block_key].append(rep)
    rows_out: list[dict[str, Any]] = []
    moves: list[dict[str, str]] = []
    for key in keys:
        for ev in cluster.cluster_block(by_block.get(key, [])):
            rows_out.append({"cluster_id": ev.event_id, "block_key": key, "rep_id": ev.representative.event_id,
                             "n_reports": ev.n_reports, "n_documents": ev.n_documents,
                             "n_stories": ev.n_stories, "n_sources": ev.n_sources,
                             "first_seen": _iso(ev.first_seen), "last_seen": _iso(ev.last_seen)})
            moves.extend({"rid": rid, "cid": ev.event_id} for rid in ev.report_ids
                         if current.get(rid) != ev.event_id)
    for part in _chunks(keys):
        conn.execute(c.delete().where(c.c.block_key.in_(part)))
    if rows_out:
        bulk_insert(conn, c, rows_out)
    if moves:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(f"UPDATE events SET cluster_id = {mark} WHERE event_id = {mark}",
                             [(mv["cid"], mv["rid"]) for mv in moves])
    return len(rows_out)


def mark_pending(conn: Connection, blocks: Iterable[str]) -> None:
    """Note blocks whose events are out of date, for Store.cluster_pending (each once)."""
    keys = sorted(set(blocks))
    if not keys:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    for part in _chunks(keys):
        conn.execute(upsert(m.pending_blocks).on_conflict_do_nothing(index_elements=["block_key"]),
                     [{"block_key": k} for k in part])


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def backfill(conn: Connection) -> None:
    """Stories, block keys and events for a store written before clustering (migration 0005)."""
    d, e, p = m.documents, m.events, m.participants
    stories = Stories(conn)
    docs = conn.execute(sa.select(d.c.id, d.c.text, d.c.source).order_by(d.c.published, d.c.id)).all()
    assigned = {}
    for doc_id, text, source in docs:
        assigned[doc_id] = stories.assign(doc_id, text or "", source)
    for doc_id, (sid, ssrc) in assigned.items():
        conn.execute(d.update().where(d.c.id == doc_id).values(story_id=sid, story_source=ssrc))
    stories.write([])
    published = dict(conn.execute(sa.select(d.c.id, d.c.published)).all())
    rows = conn.execute(sa.select(e.c.event_id, e.c.doc_id, e.c.origin, e.c.type, e.c.status, e.c.date,
                                  e.c.extra)).all()
    parts: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"actor": [], "target": []})
    for eid, role, actor in conn.execute(sa.select(p.c.event_id, p.c.role, p.c.actor)
                                         .order_by(p.c.event_id, p.c.role, p.c.position)):
        parts[eid][role].append(actor)
    updates = []
    for eid, doc_id, origin, typ, status, when, extra in rows:
        if isinstance(extra, str):
            extra = json.loads(extra)
        pub = published.get(doc_id) if origin == "text" else (extra or {}).get("published")
        ev = {"type": typ, "status": status, "date": when, "published": pub,
              "actors": parts[eid]["actor"], "targets": parts[eid]["target"]}
        updates.append({"rid": eid, "bk": cluster.block_key(ev), "seen": seen_day(pub),
                        "sk": source_key(origin, doc_id, assigned.get(doc_id) if origin == "text" else None)})
    for part in _chunks(updates, 2000):
        conn.execute(e.update().where(e.c.event_id == sa.bindparam("rid"))
                     .values(block_key=sa.bindparam("bk"), seen=sa.bindparam("seen"), source_key=sa.bindparam("sk")),
                     part)
    recluster(conn, {u["bk"] for u in updates})


def seen_day(published: str | None) -> str | None:
    """The day a report was first seen: its document's publication day (ISO), else None."""
    if published:
        return published[:10] if len(published) >= 10 and published[4] == "-" else None
    return None
