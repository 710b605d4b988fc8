"""An analyst's corrections of coded reports, kept so that recoding never undoes them.

A correction is stored apart from the coder's output, with what it needs to find its report again
after the document is coded anew (by `recode`, a coder upgrade, or a new version of the text): the
document's content hash and the evidence span and text it was made on, and the report's type and
parties as the coder had them. After every coding of a document, inside the same transaction, its
corrections are applied again in the order they were made:

- **accept** marks the report as checked (provenance `accepted`);
- **reject** removes it (a rejected report never reaches events, the network or exports);
- **edit** replaces the fields given (type, mode, actors, targets, date, status, …; provenance
  `corrected`);
- **add** creates a report the coder missed (provenance `added`), with its own evidence span.

The report a correction applies to is the one with its id, if that report still covers the span;
else the report whose evidence overlaps the span with the same type and parties. When the text
changed, the span is found again by its evidence text; a correction whose span or report cannot be
found is kept and marked `orphaned` (listed by `latticework corrections list`), never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from latticework.store import models as m
from latticework.store.bulk import bulk_insert

if TYPE_CHECKING:
    from latticework.store.core import Store

ACTIONS = ("accept", "reject", "edit", "add")
#: Fields an edit may change (the rest of a report is its evidence and bookkeeping).
EDITABLE = ("type", "mode", "actors", "targets", "framework", "date", "status", "hedged", "location")
PROVENANCE = {"accept": "accepted", "edit": "corrected", "add": "added"}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def relocate(text: str, start: int, end: int, evidence: str) -> tuple[int, int] | None:
    """The span of `evidence` in `text`: where it was, else its occurrence nearest to it, else None."""
    if 0 <= start <= end <= len(text) and text[start:end] == evidence:
        return start, end
    if not evidence:
        return None
    best, at = None, text.find(evidence)
    while at != -1:
        if best is None or abs(at - start) < abs(best - start):
            best = at
        at = text.find(evidence, at + 1)
    return None if best is None else (best, best + len(evidence))


def _overlap(a: tuple[int, int], b: tuple[int | None, int | None]) -> bool:
    return b[0] is not None and b[1] is not None and a[0] < b[1] and b[0] < a[1]


def _parties(ev: dict[str, Any]) -> tuple[list[str], list[str]]:
    return sorted(ev.get("actors") or []), sorted(ev.get("targets") or [])


def apply(store: Store, conn: Connection, doc_ids: Sequence[str]) -> set[str]:
    """Apply the corrections of these documents to their stored reports; returns the blocks touched
    (the caller clusters them again)."""
    from latticework.store.core import _event_dict

    c, e, d = m.corrections, m.events, m.documents
    ids = list(dict.fromkeys(doc_ids))
    todo: dict[str, list[Any]] = {}
    for i in range(0, len(ids), 500):
        for row in conn.execute(sa.select(c).where(c.c.doc_id.in_(ids[i:i + 500])).order_by(c.c.id)).mappings():
            todo.setdefault(row["doc_id"], []).append(row)
    blocks: set[str] = set()
    for doc_id, corrs in todo.items():
        doc = conn.execute(sa.select(d).where(d.c.id == doc_id)).mappings().first()
        if doc is None:
            continue
        rows = conn.execute(sa.select(e).where(e.c.doc_id == doc_id, e.c.origin == "text")).mappings().all()
        parts = store._participants(conn, [r["event_id"] for r in rows])
        reports = {r["event_id"]: (r, _event_dict(r, parts.get(r["event_id"], {}))) for r in rows}
        story = (doc["story_id"] or doc_id, doc["story_source"])
        for corr in corrs:
            blocks |= _apply_one(store, conn, corr, doc, reports, story)
    return blocks


def _target(corr: Any, span: tuple[int, int], reports: dict[str, tuple[Any, dict]]) -> str | None:
    rid = corr["report_id"]
    if rid in reports and _overlap(span, (reports[rid][0]["evidence_start"], reports[rid][0]["evidence_end"])):
        return rid
    orig = _json(corr["original"]) or {}
    for eid, (row, ev) in sorted(reports.items()):
        if (_overlap(span, (row["evidence_start"], row["evidence_end"])) and ev["type"] == orig.get("type")
                and _parties(ev) == _parties(orig)):
            return eid
    return None


#: How alike (difflib's ratio) a report's new evidence must be to the corrected one to be that report.
REWORDED = 0.75


def _similar(corr: Any, reports: dict[str, tuple[Any, dict]]) -> str | None:
    """The report of the same type and parties whose evidence reads most like the corrected one."""
    from difflib import SequenceMatcher

    orig = _json(corr["original"]) or {}
    best: tuple[float, str] | None = None
    for eid, (row, ev) in sorted(reports.items()):
        if ev["type"] != orig.get("type") or _parties(ev) != _parties(orig) or row["provenance"] == "added":
            continue
        ratio = SequenceMatcher(None, corr["evidence_text"], row["evidence_text"] or "").ratio()
        if ratio >= REWORDED and (best is None or ratio > best[0]):
            best = (ratio, eid)
    return best[1] if best else None


def _apply_one(store: Store, conn: Connection, corr: Any, doc: Any, reports: dict[str, tuple[Any, dict]],
               story: tuple[str, str | None]) -> set[str]:
    c, e, p = m.corrections, m.events, m.participants
    text = doc["text"]
    span = relocate(text, corr["evidence_start"], corr["evidence_end"], corr["evidence_text"])
    target = None if span is None or corr["action"] == "add" else _target(corr, span, reports)
    if target is None and corr["action"] != "add":
        target = _similar(corr, reports)  # the sentence was reworded: the same report in its new words
    blocks: set[str] = set()
    state, applied_to = "orphaned", None
    if span is not None and corr["action"] == "add":
        target = f"corr-{corr['id']}"
        ev = dict(_json(corr["event"]) or {})
        ev.update(event_id=target, doc_id=doc["id"], evidence={"text": text[span[0]:span[1]], "start": span[0],
                                                                 "end": span[1]})
        if target in reports:
            blocks.add(reports[target][0]["block_key"])
        blocks |= _replace(store, conn, target, ev, doc, story, "added")
        state, applied_to = "applied", target
    elif target is not None:
        row, ev = reports[target]
        blocks.add(row["block_key"])
        if corr["action"] == "reject":
            conn.execute(p.delete().where(p.c.event_id == target))
            conn.execute(e.delete().where(e.c.event_id == target))
            del reports[target]
        elif corr["action"] == "accept":
            if row["provenance"] in (None, "coder"):
                conn.execute(e.update().where(e.c.event_id == target).values(provenance="accepted"))
        else:  # edit
            changed = {k: v for k, v in (_json(corr["event"]) or {}).items() if k in EDITABLE}
            new = {k: v for k, v in ev.items() if k not in ("cluster_id", "source", "provenance")} | changed
            new["event_id"] = target
            blocks |= _replace(store, conn, target, new, doc, story, "corrected")
        state, applied_to = "applied", target
    if (state, applied_to) != (corr["state"], corr["applied_to"]):
        conn.execute(c.update().where(c.c.id == corr["id"]).values(state=state, applied_to=applied_to))
    if applied_to and corr["action"] != "reject":  # later corrections of this document see it as it is now
        fresh = conn.execute(sa.select(e).where(e.c.event_id == applied_to)).mappings().first()
        if fresh is not None:
            from latticework.store.core import _event_dict

            parts = store._participants(conn, [applied_to]).get(applied_to, {})
            reports[applied_to] = (fresh, _event_dict(fresh, parts))
    return blocks


def _replace(store: Store, conn: Connection, event_id: str, ev: dict[str, Any], doc: Any,
             story: tuple[str, str | None], provenance: str) -> set[str]:
    """Write `ev` as the report `event_id` (replacing any stored one); returns its new block."""
    e, p = m.events, m.participants
    conn.execute(p.delete().where(p.c.event_id == event_id))
    conn.execute(e.delete().where(e.c.event_id == event_id))
    ev.setdefault("status", "occurred")
    row, parts = store._event_rows(ev, "text", doc["coder_version"], doc["run_id"], doc["published"],
                                   doc["version"], story)
    row["provenance"] = provenance
    row["extra"] = None if row["extra"] is None else json.dumps(row["extra"], ensure_ascii=False)
    bulk_insert(conn, e, [row])
    if parts:
        bulk_insert(conn, p, parts)
        store._add_actors(conn, {x["actor"] for x in parts})
    return {row["block_key"]}


def check_event(fields: dict[str, Any], *, whole: bool) -> str | None:
    """Why these event fields cannot be stored (None when they can): known type and mode, lists of
    codes, a valid status and date. `whole` (an added event) also requires a type and actors."""
    from latticework import ontology
    from latticework.intervals import to_interval

    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        return f"fields that cannot be corrected: {', '.join(unknown)} (editable: {', '.join(EDITABLE)})"
    if whole and not fields.get("type"):
        return "an added event needs a type"
    if "type" in fields and not ontology.is_known(fields["type"]):
        return f"unknown event type {fields['type']!r} (one of {', '.join(ontology.TYPES)})"
    if fields.get("mode") and not ontology.is_known(fields.get("type"), fields["mode"]):
        if "type" in fields:
            return f"mode {fields['mode']!r} is not a mode of {fields['type']}"
    for key in ("actors", "targets"):
        v = fields.get(key)
        if v is not None and (not isinstance(v, list) or not all(isinstance(x, str) and 0 < len(x) <= 16 for x in v)):
            return f"{key} must be a list of actor codes"
    if whole and not fields.get("actors"):
        return "an added event needs actors"
    if fields.get("status") not in (None, "occurred", "planned"):
        return "status is occurred or planned"
    if fields.get("date") is not None and to_interval(fields["date"]) is None:
        return f"date {fields['date']!r} is not an EDTF date (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-21..24)"
    return None


def gold_lines(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reviewed reports as gold lines in the reference scorer's format (one line per document)."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        line = out.setdefault(r["doc_id"], {"doc_id": r["doc_id"], "published": r.get("published"), "events": []})
        if r.get("event") is not None:
            line["events"].append(r["event"])
    return [out[k] for k in sorted(out)]
