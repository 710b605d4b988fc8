"""Reports → events: which coded reports describe the same real-world event, and which documents are
copies of one story.

A *report* is one coded statement (a document, a sentence, its evidence); an *event* is what happened.
Three outlets reporting one signing give three reports of one event. The network must weigh events,
never reports, or a much-covered signing outweighs three quiet ones.

The rule (docs/clustering.md has it with examples):

1. **Block.** Only reports with the same type, the same status (a planned signing is not the signing)
   and the same participants can be one event. Participants are compared by the type's shape
   (latticework.ontology): a symmetric type compares the set of every party, a directed one keeps who
   acted on whom. The block also holds the year the report's date starts in, which keeps blocks small
   on archive-size stores (a report dated 31 December and another dated 1 January are not joined).
2. **Fine reports** (a date that spans at most FINE_DAYS days) of one block are one event when their
   date intervals overlap, widened by SLACK_DAYS for time zones and "yesterday" in a late edition,
   and their places do not name different countries. Events are the connected components of that
   relation, so the result does not depend on the order the reports arrived in.
3. **Coarse reports** ("in March", "this year", or undated: then the week up to publication) join the
   fine event that they overlap and that has most reports (ties: the earliest, then the smallest id),
   or, overlapping none, form events among themselves by the same component rule.

An event's id is derived from the smallest report id among its members, so it is the same whatever
order the store saw the reports in, but it changes when an older report joins. Its representative
report (the one listings show) is the most precisely dated, then the most confident, then the first.

Near-duplicate documents (a wire story republished by several outlets) are found by MinHash over
word 5-shingles with locality-sensitive banding; a copy belongs to the story of the
document it copies, and an event's distinct *sources* count each story once.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from latticework import ontology
from latticework.intervals import to_interval

#: A date spanning at most this many days is precise enough to tell two events apart.
FINE_DAYS = 7
#: Fine intervals this many days apart still overlap (time zones, a late edition's "yesterday").
SLACK_DAYS = 1
#: An undated report is taken to be about the days up to its publication.
UNDATED_DAYS = 7

# ------------------------------------------------------------------------------------------ blocks


def participants_key(ev: dict[str, Any]) -> tuple:
    """Who takes part, compared as the type's shape requires (see the module docstring)."""
    actors = sorted({str(a) for a in ev.get("actors") or []})
    targets = sorted({str(t) for t in ev.get("targets") or []})
    if ontology.shape(ev.get("type")) == "symmetric":
        return ("all", sorted(set(actors) | set(targets)))
    return ("by", actors, targets)


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        span = to_interval(value[:10])
        return span[0] if span else None
    return None


def report_span(ev: dict[str, Any]) -> tuple[date, date, bool] | None:
    """(first day, last day, fine?) a report can be about; None without a date or a publication."""
    span = to_interval(ev.get("date"))
    if span is not None:
        return span[0], span[1], (span[1] - span[0]).days < FINE_DAYS
    seen = _day(ev.get("published"))
    if seen is None:
        return None
    return seen - timedelta(days=UNDATED_DAYS), seen, False


def block_key(ev: dict[str, Any]) -> str:
    """The block a report belongs to, as a short stable hash (stored and indexed)."""
    span = report_span(ev)
    year = span[0].year if span else None
    basis = json.dumps([ev.get("type"), ev.get("status") or "occurred", participants_key(ev), year],
                       separators=(",", ":"))
    return hashlib.sha1(basis.encode()).hexdigest()[:24]


def event_id_for(report_ids: Iterable[str]) -> str:
    """The id of the event made of these reports: a hash of the smallest report id."""
    return "E" + hashlib.sha1(min(report_ids).encode()).hexdigest()[:15]


# ---------------------------------------------------------------------------------------- clustering


@dataclass
class Report:
    """What clustering needs of one report (the store builds these from its rows)."""

    event_id: str
    lo: date | None
    hi: date | None
    fine: bool
    country: str | None = None
    doc_id: str | None = None
    source_key: str | None = None
    story: str | None = None
    seen: date | None = None
    confidence: float | None = None

    @classmethod
    def of(cls, ev: dict[str, Any]) -> Report:
        """From an event dict as in event.schema.json, plus optional `published`, `source`, `story`."""
        span = report_span(ev)
        loc = ev.get("location") or {}
        doc = ev.get("doc_id")
        story = ev.get("story") or doc
        return cls(event_id=str(ev["event_id"]), lo=span[0] if span else None, hi=span[1] if span else None,
                   fine=bool(span and span[2]), country=loc.get("country") if isinstance(loc, dict) else None,
                   doc_id=doc, source_key=ev.get("source_key") or ev.get("source") or story, story=story,
                   seen=_day(ev.get("published")), confidence=ev.get("confidence"))


@dataclass
class Event:
    """One clustered event: its reports and what is counted of them."""

    event_id: str
    members: list[Report]
    representative: Report
    n_reports: int = 0
    n_documents: int = 0
    n_stories: int = 0
    n_sources: int = 0
    first_seen: date | None = None
    last_seen: date | None = None
    report_ids: list[str] = field(default_factory=list)


def _places_agree(a: Report, b: Report) -> bool:
    return not a.country or not b.country or a.country == b.country


def _components(items: Sequence[Report], linked: Any) -> list[list[Report]]:
    """Connected components of `linked` over items sorted by start day (a sweep, not all pairs)."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(items)), key=lambda i: (items[i].lo or date.min, items[i].event_id))
    active: list[int] = []
    for i in order:
        lo = items[i].lo or date.min
        active = [j for j in active if (items[j].hi or date.max) + timedelta(days=SLACK_DAYS) >= lo]
        for j in active:
            if linked(items[i], items[j]):
                parent[find(i)] = find(j)
        active.append(i)
    groups: dict[int, list[Report]] = defaultdict(list)
    for i in range(len(items)):
        groups[find(i)].append(items[i])
    return list(groups.values())


def _overlap(a: Report, b: Report, slack: int) -> bool:
    if a.lo is None or b.lo is None or a.hi is None or b.hi is None:
        return True
    pad = timedelta(days=slack)
    return a.lo - pad <= b.hi and b.lo - pad <= a.hi


def _attach(r: Report, groups: list[list[Report]]) -> list[Report] | None:
    """The group an imprecise report joins: one it overlaps and agrees with on place, the largest,
    then the earliest, then the one with the smallest id; None when there is none."""
    best = None
    for g in groups:
        lo = min((x.lo for x in g if x.lo), default=None)
        hi = max((x.hi for x in g if x.hi), default=None)
        if r.lo and r.hi and lo and hi and not (r.lo <= hi and lo <= r.hi):
            continue
        if not all(_places_agree(r, x) for x in g):
            continue
        rank = (-len(g), lo or date.min, min(x.event_id for x in g))
        if best is None or rank < best[0]:
            best = (rank, g)
    return best[1] if best else None


def _split_by_place(group: list[Report]) -> list[list[Report]]:
    """A component that names two countries as the place (joined through reports that name none) is
    split by country; the reports without a place then join one part by `_attach`."""
    countries = {r.country for r in group if r.country}
    if len(countries) <= 1:
        return [group]
    placed: list[list[Report]] = []
    for country in sorted(countries):
        same = [r for r in group if r.country == country]
        placed += _components(same, lambda a, b: _overlap(a, b, SLACK_DAYS))
    for r in sorted((r for r in group if not r.country), key=lambda r: r.event_id):
        target = _attach(r, placed)
        if target is None:
            placed.append([r])
        else:
            target.append(r)
    return placed


def cluster_block(reports: Sequence[Report]) -> list[Event]:
    """The events of one block's reports (same type, status and participants)."""
    fine = [r for r in reports if r.fine]
    coarse = [r for r in reports if not r.fine]
    groups = [g for comp in _components(fine, lambda a, b: _overlap(a, b, SLACK_DAYS) and _places_agree(a, b))
              for g in _split_by_place(comp)]
    leftover: list[Report] = []
    fixed = [list(g) for g in groups]  # coarse reports are matched against the fine ones only
    for r in sorted(coarse, key=lambda r: r.event_id):
        target = _attach(r, fixed)
        if target is None:
            leftover.append(r)
        else:
            groups[fixed.index(target)].append(r)
    groups += _components(leftover, lambda a, b: _overlap(a, b, 0) and _places_agree(a, b))
    return [summarise(g) for g in groups]


def summarise(members: list[Report]) -> Event:
    """Counts, first/last seen and the representative of one event's reports."""
    members = sorted(members, key=lambda r: r.event_id)

    def rank(r: Report) -> tuple:
        width = (r.hi - r.lo).days if r.lo and r.hi else 10**6
        return (not r.fine, width, -(r.confidence or 0.0), r.event_id)

    seen = [r.seen for r in members if r.seen]
    return Event(
        event_id=event_id_for(r.event_id for r in members), members=members,
        representative=min(members, key=rank), n_reports=len(members),
        n_documents=len({r.doc_id or r.event_id for r in members}),
        n_stories=len({r.story or r.doc_id or r.event_id for r in members}),
        n_sources=len({r.source_key or r.story or r.event_id for r in members}),
        first_seen=min(seen) if seen else None, last_seen=max(seen) if seen else None,
        report_ids=[r.event_id for r in members])


def cluster_reports(reports: Iterable[dict[str, Any]]) -> dict[str, str]:
    """report event_id -> event id, for event dicts (plus `published`, `source`, optional `story`)."""
    blocks: dict[str, list[Report]] = defaultdict(list)
    for ev in reports:
        blocks[block_key(ev)].append(Report.of(ev))
    out: dict[str, str] = {}
    for key in sorted(blocks):
        for event in cluster_block(blocks[key]):
            for rid in event.report_ids:
                out[rid] = event.event_id
    return out


# ------------------------------------------------------------------------------------ near-duplicates

#: MinHash permutations, and LSH bands × rows (BANDS * ROWS == NUM_PERM). With 16 bands of 4 rows a
#: pair with Jaccard 0.7 becomes a candidate with probability 0.99, a pair at 0.3 with 0.12.
NUM_PERM = 64
BANDS = 16
ROWS = 4
#: A band bucket holds at most this many documents: boilerplate shared by thousands of documents
#: would otherwise make every new one load thousands of candidates. The first ones of a bucket are
#: kept (the originals a later copy is found by); a document all of whose buckets are full is still
#: matched against their members, it only is not itself a candidate for later documents.
BUCKET_LIMIT = 10
#: Estimated Jaccard similarity of 5-word shingles from which two documents are one story.
DUPLICATE_JACCARD = 0.7
SHINGLE = 5
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> set[bytes]:
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < SHINGLE:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


_PRIME = (1 << 31) - 1
_rng = np.random.RandomState(1)
_A = _rng.randint(1, _PRIME, size=NUM_PERM, dtype=np.int64).astype(np.uint64)
_B = _rng.randint(0, _PRIME, size=NUM_PERM, dtype=np.int64).astype(np.uint64)


def signature(text: str) -> np.ndarray:
    """The MinHash signature of a text's shingles: NUM_PERM values min((a·h + b) mod p) over the
    shingles' CRC-32 hashes h, for fixed random a, b and the prime p = 2³¹ − 1 (so a·h fits 64 bits).

    Written here rather than taken from datasketch, whose import pulls in SciPy and costs every ingest
    one to two seconds; the scheme is the same universal hashing."""
    sh = shingles(text)
    if not sh:
        return np.full(NUM_PERM, _PRIME, dtype=np.uint32)
    h = np.fromiter((zlib.crc32(x) for x in sh), dtype=np.uint64, count=len(sh))
    return ((np.outer(_A, h) + _B[:, None]) % _PRIME).min(axis=1).astype(np.uint32)


def bands(sig: np.ndarray) -> list[str]:
    """The LSH band keys of a signature: documents sharing one are candidates."""
    return [f"{b}:{hashlib.sha1(sig[b * ROWS:(b + 1) * ROWS].tobytes()).hexdigest()[:16]}" for b in range(BANDS)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def near_duplicates(docs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """doc id -> story id for (id, text) pairs in the given order: a document joins the story of the
    first earlier document it nearly duplicates, else starts its own (story id = its id)."""
    index: dict[str, list[str]] = defaultdict(list)
    sigs: dict[str, np.ndarray] = {}
    story: dict[str, str] = {}
    for doc_id, text in docs:
        sig = signature(text)
        keys = bands(sig)
        candidates = dict.fromkeys(c for k in keys for c in index[k])
        match = next((c for c in candidates if similarity(sig, sigs[c]) >= DUPLICATE_JACCARD), None)
        story[doc_id] = story[match] if match else doc_id
        sigs[doc_id] = sig
        for k in keys:
            index[k].append(doc_id)
    return story
