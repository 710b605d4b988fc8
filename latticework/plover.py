"""Events as PLOVER 0.8 records and back (`interchange.to_plover` and its siblings call this module).

Which PLOVER: the manual of github.com/openeventdata/PLOVER, ``PLOVER_MANUAL.tex`` as of commit
7c46c11 (2021-10-01), the last revision titled "Version 0.8". Earlier 0.8 drafts named the initiating
side ``source`` (renamed ``actor`` on 2021-08-05) and called REQUEST ``DEMAND`` (renamed 2021-09-01);
`from_plover` reads both spellings, the writer uses the final ones. ``data/plover-0.8.schema.json`` is
a JSON Schema written from that manual's "Data Fields" chapter and its category, mode and context
tables; every record `to_plover` writes validates against it (tests/test_exports.py).

One record per event, one JSON object per line (the manual suggests JSONL):

- ``id``, ``date`` (YYYY-MM-DD) and, when the EDTF date is coarser than a day, ``enddate``: the first
  and last day of the month, season or year the event lies in. An undated event gets its document's
  publication day when the event dict carries ``published``; an event with neither is not written.
- ``actor``/``recipient``: lists of entity objects ``{"code": ...}`` with the ISO 3166 alpha-3 code;
  organisations (NATO, EU, ...) are ``{"code": "IGO", "entity_text": "NATO", "identifier_text": name}``.
  Symmetric events list every party as ``actor``, as the manual does for reciprocal events. A
  CONSULT/visit names the visitor as ``actor`` and the host as ``recipient`` (the manual's ``visit``
  mode): from the event's targets when it has them, else from its location when that lies in one
  party's country; with no host known the record has no ``visit`` mode.
- ``event``, ``mode``, ``context``: from the ONTOLOGY.md crosswalk (`ontology.plover`). A planned
  event gets the auxiliary context ``future``; a planned CONSULT, SUPPORT, COOPERATE or AID is
  ``event: ["AGREE"]``, because the manual codes cooperation "reported in future tense" as AGREE.
- ``quad_code`` and ``event_scale``: the manual's quad categories and conflict-cooperation scores.
- ``event_loc`` ``{"extracted_place", "country_code"}``, ``event_text`` (the evidence sentence),
  ``text_info`` (its offsets in the document), ``cite_info`` (document id, source, codebook), ``coder``.
- ``latticework``: an extension block (the manual allows a provider's own named fields) with the
  event's exact fields, so `from_plover(to_plover(e))` gives back `e`: type, mode, actors, targets,
  EDTF date, status, hedged, framework, location, confidence, cameo, source and any other key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from latticework import __version__, ontology
from latticework.interchange import InterchangeError, iso3, ontology_of_plover, plover_of
from latticework.intervals import coarsest, to_interval
from latticework.store.actor_names import GROUPINGS, ORGANISATIONS
from latticework.tables import json_safe

SCHEMA = Path(__file__).parent / "data" / "plover-0.8.schema.json"
VERSION = "0.8"
CODEBOOK = "PLOVER 0.8 via the latticework defence-cooperation ontology v1 (ONTOLOGY.md)"

#: The manual's quad categories: 1 verbal cooperation, 2 material cooperation, 3 verbal conflict,
#: 4 material conflict.
QUAD: dict[str, int] = {
    "AGREE": 1, "CONSULT": 1, "SUPPORT": 1, "CONCEDE": 1,
    "COOPERATE": 2, "AID": 2, "RETREAT": 2,
    "REQUEST": 3, "ACCUSE": 3, "REJECT": 3, "SANCTION": 3, "THREATEN": 3,
    "PROTEST": 4, "MOBILIZE": 4, "COERCE": 4, "ASSAULT": 4,
}
#: The manual's PLOVER conflict-cooperation scores.
SCORES: dict[str, float] = {
    "ASSAULT": -9.3, "COERCE": -7.2, "PROTEST": -6.6, "MOBILIZE": -5.3, "SANCTION": -5.2, "THREATEN": -5.1,
    "REQUEST": -5.0, "REJECT": -4.2, "ACCUSE": -2.0, "CONSULT": 2.1, "AGREE": 4.2, "SUPPORT": 4.6,
    "CONCEDE": 5.0, "COOPERATE": 6.8, "AID": 7.4, "RETREAT": 7.6,
}
#: Cooperation that the manual codes as AGREE when it is reported as future.
FUTURE_AS_AGREE = frozenset({"CONSULT", "SUPPORT", "COOPERATE", "AID"})
#: Category names of earlier 0.8 drafts, read as today's.
EARLIER_NAMES = {"DEMAND": "REQUEST"}
#: The manual's entity codes for what is not a state.
NON_STATE = frozenset({"IGO", "NGO", "ISM", "IMG", "MNC"})
_STATE = re.compile("[A-Z]{3}")
_BY_NAME = {name.lower(): code for code, name in (ORGANISATIONS | GROUPINGS).items()}


# ------------------------------------------------------------------------------------------ export

def entity(code: str) -> dict[str, str]:
    """The entity object of one actor code."""
    if code in ORGANISATIONS or code in GROUPINGS or not _STATE.fullmatch(code):
        out = {"code": "IGO", "entity_text": code}
        name = ORGANISATIONS.get(code) or GROUPINGS.get(code)
        if name:
            out["identifier_text"] = name
        return out
    return {"code": code}


def _span(e: dict[str, Any]) -> tuple[date, date] | None:
    return to_interval(e.get("date")) or to_interval(e.get("published"))


def _visit_sides(e: dict[str, Any], actors: list[str], targets: list[str]) -> tuple[list[str], list[str]] | None:
    """(visitors, hosts) of a CONSULT/visit, or None when the host is not known."""
    if targets:
        return actors, targets
    host = (e.get("location") or {}).get("country")
    if host in actors and len(set(actors)) >= 2:
        return [a for a in actors if a != host], [host]
    return None


def problem(e: dict[str, Any]) -> str | None:
    """Why an event cannot be a PLOVER record (the manual requires a date and an actor), or None."""
    if not e.get("actors"):
        return "no actor"
    if _span(e) is None:
        return "no date and no publication date"
    return None


def to_plover(e: dict[str, Any]) -> dict[str, Any]:
    """One event as a PLOVER 0.8 record (see the module docstring). Raises InterchangeError for an
    event PLOVER cannot hold (`problem`)."""
    bad = problem(e)
    if bad:
        raise InterchangeError(f"event {e.get('event_id')}: {bad}")
    span = _span(e)
    assert span is not None
    ptype, pmode, contexts = plover_of(e)
    actors = [str(a) for a in e.get("actors") or []]
    targets = [str(t) for t in e.get("targets") or []]
    planned = e.get("status") == "planned"
    if e.get("type") == "CONSULT" and e.get("mode") == "visit":
        sides = _visit_sides(e, actors, targets)
        if sides is None:
            pmode = ""  # PLOVER's visit mode says the actor visits the recipient: no host, no claim
        else:
            actors, targets = sides
    if planned and ptype in FUTURE_AS_AGREE:
        ptype, pmode = "AGREE", ""
    if planned:
        contexts = [*contexts, "future"]
    rec: dict[str, Any] = {"id": str(e.get("event_id")), "date": span[0].isoformat()}
    if span[1] != span[0]:
        rec["enddate"] = span[1].isoformat()
    rec["actor"] = [entity(a) for a in actors]
    if targets:
        rec["recipient"] = [entity(t) for t in targets]
    rec["event"] = [ptype]
    if pmode:
        rec["mode"] = [pmode]
    if contexts:
        rec["context"] = list(dict.fromkeys(contexts))
    if ptype in QUAD:
        rec["quad_code"] = QUAD[ptype]
        rec["event_scale"] = SCORES[ptype]
    loc = e.get("location") or {}
    place = {k: v for k, v in (("extracted_place", loc.get("name")), ("country_code", loc.get("country"))) if v}
    if place:
        rec["event_loc"] = place
    evd = e.get("evidence") or {}
    if evd.get("text"):
        rec["event_text"] = [str(evd["text"])]
    offsets = {k: evd[k] for k in ("start", "end") if isinstance(evd.get(k), int) and evd[k] >= 0}
    if offsets:
        rec["text_info"] = offsets
    cite = {"citation": e.get("doc_id"), "corpus": e.get("source"), "codebook": CODEBOOK}
    rec["cite_info"] = {k: str(v) for k, v in cite.items() if v}
    rec["coder"] = f"latticework {__version__}"
    rec["latticework"] = {k: json_safe(v) for k, v in e.items() if k not in ("event_id", "evidence", "document")}
    return rec


def write_plover(events: Iterable[dict[str, Any]], out: IO[str], on_problem: Callable[[str], None]) -> int:
    """PLOVER records as JSONL, one event at a time; an event PLOVER cannot hold goes to
    `on_problem` as one line and is left out. Returns the number of records written."""
    n = 0
    for e in events:
        bad = problem(e)
        if bad:
            on_problem(f"plover: event {e.get('event_id')}: {bad}; skipped")
            continue
        out.write(json.dumps(to_plover(e), ensure_ascii=False) + "\n")
        n += 1
    return n


# ------------------------------------------------------------------------------------------ import

def _obj(rec: dict[str, Any], key: str) -> dict[str, Any]:
    value = rec.get(key)
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def entity_code(ent: Any) -> str | None:
    """Our actor code for a PLOVER entity object (or a bare code string); None when it names no state
    or organisation we know."""
    if isinstance(ent, str):
        return ent.strip().upper() or None
    if not isinstance(ent, dict):
        return None
    code = str(ent.get("code") or "").strip().upper()
    if code in NON_STATE or not code:
        for key in ("entity_text", "identifier_text"):
            text = str(ent.get(key) or "").strip()
            if text.upper() in ORGANISATIONS or text.upper() in GROUPINGS:
                return text.upper()
            if text.lower() in _BY_NAME:
                return _BY_NAME[text.lower()]
        return None
    return iso3(code)


def _day(value: Any, where: str, name: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InterchangeError(f"{where}: {name} {value!r} is not YYYY-MM-DD") from None


def edtf(start: Any, end: Any, where: str = "plover") -> str:
    """The EDTF value for a PLOVER date (and enddate): the day, or the month, season or year whose
    days are exactly date…enddate, else the most precise value covering both."""
    lo = _day(start, where, "date")
    if end in (None, "") or str(end)[:10] == str(start)[:10]:
        return lo.isoformat()
    hi = _day(end, where, "enddate")
    y = f"{lo.year:04d}"
    for cand in (f"{y}-{lo.month:02d}", *(f"{y}-{s}" for s in (21, 22, 23, 24)), y):
        if to_interval(cand) == (lo, hi):
            return cand
    return coarsest(lo.isoformat(), hi.isoformat()) or lo.isoformat()


def mapped(rec: dict[str, Any]) -> tuple[str, str | None] | None:
    """(type, mode) of a PLOVER record in the ontology, or None when none of its categories is in it."""
    lw = rec.get("latticework")
    if isinstance(lw, dict) and lw.get("type"):
        return str(lw["type"]), lw.get("mode")
    cats = _as_list(rec.get("event")) or _as_list(rec.get("event_type"))  # event_type: our 0.7-style files
    modes = [str(m) for m in _as_list(rec.get("mode")) if m]
    contexts = ";".join(str(c) for c in _as_list(rec.get("context")) + _as_list(rec.get("contexts")) if c)
    for cat in cats:
        name = EARLIER_NAMES.get(str(cat).upper(), str(cat).upper())
        got = ontology_of_plover(name, modes[0] if modes else "", contexts)
        if got is not None:
            return got
    return None


def from_plover(rec: dict[str, Any], where: str = "plover") -> dict[str, Any]:
    """An event from a PLOVER record; the `latticework` block, when present, restores it exactly."""
    if not isinstance(rec, dict):
        raise InterchangeError(f"{where}: a PLOVER record is a JSON object, not {type(rec).__name__}")
    got = mapped(rec)
    if got is None:
        raise InterchangeError(f"{where}: PLOVER event {_as_list(rec.get('event') or rec.get('event_type'))} "
                               "is outside the ontology")
    t, mode = got
    texts = _as_list(rec.get("event_text")) or _as_list(rec.get("source_text"))
    text = str(texts[0]) if texts else ""
    info = _obj(rec, "text_info")
    evidence = {"text": text, "start": info.get("start", 0), "end": info.get("end", len(text))}
    side_a = [c for c in map(entity_code, _as_list(rec.get("actor")) or _as_list(rec.get("source"))) if c]
    side_b = [c for c in map(entity_code, _as_list(rec.get("recipient"))) if c]
    lw = rec.get("latticework")
    if isinstance(lw, dict) and lw.get("type"):
        ev = dict(lw)
        ev["event_id"] = rec.get("id")
        ev["evidence"] = evidence
        ev.setdefault("actors", side_a)  # blocks of older exports held only type, mode, framework, source
        ev.setdefault("targets", side_b)
        if "date" not in ev:
            ev["date"] = edtf(rec["date"], rec.get("enddate"), where) if rec.get("date") else None
        ev.setdefault("status", "planned" if "future" in _as_list(rec.get("context")) else "occurred")
        ev.setdefault("doc_id", rec.get("story_id"))
        return ev
    contexts = [str(c) for c in _as_list(rec.get("context")) + _as_list(rec.get("contexts"))]
    modes = [str(m) for m in _as_list(rec.get("mode"))]
    if t == "CONSULT" and "visit" in modes and side_b:
        mode, actors, targets = "visit", side_a, side_b  # visitor -> host, as the manual codes it
    elif t in ontology.SYMMETRIC:
        actors, targets = sorted(set(side_a) | set(side_b)), []
    elif t in ontology.UNILATERAL:
        actors, targets = side_a, []
    else:
        actors, targets = side_a, side_b
    loc = _obj(rec, "event_loc")
    name = loc.get("extracted_place") or loc.get("resolved_place") or loc.get("city")
    country = loc.get("country_code") or (iso3(str(loc["country"])) if loc.get("country") else None)
    cite = _obj(rec, "cite_info")
    return {"doc_id": rec.get("story_id") or cite.get("citation"), "event_id": rec.get("id"), "type": t,
            "mode": mode, "actors": actors, "targets": targets, "framework": None,
            "date": edtf(rec["date"], rec.get("enddate"), where) if rec.get("date") else None,
            "status": "planned" if "future" in contexts else "occurred", "hedged": False,
            "location": {"name": str(name), "country": country} if name else None, "evidence": evidence,
            "confidence": None, "cameo": rec.get("cameo") or ontology.cameo_code(t, mode) or None}


def read_plover(path: str | Path) -> Iterator[dict[str, Any]]:
    """Events from a PLOVER file: JSONL (one record a line), or one JSON array (older exports).
    Records whose categories are all outside the ontology are passed over; a line that is not JSON
    raises InterchangeError naming the file and line."""
    p = Path(path)
    with p.open(encoding="utf-8-sig") as fh:
        head = fh.read(4096).lstrip()
    if head.startswith("["):
        try:
            data = json.loads(p.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise InterchangeError(f"{path}:{exc.lineno}: not JSON ({exc.msg})") from None
        numbered: Iterable[tuple[str, Any]] = ((f"{path}: record {i + 1}", r) for i, r in enumerate(data))
    else:
        numbered = _lines(p)
    for where, rec in numbered:
        if isinstance(rec, dict) and mapped(rec) is None:
            continue
        yield from_plover(rec, where)


def _lines(path: Path) -> Iterator[tuple[str, Any]]:
    with path.open(encoding="utf-8-sig") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield f"{path}:{n}", json.loads(line)
            except json.JSONDecodeError as exc:
                raise InterchangeError(f"{path}:{n}: not JSON ({exc.msg})") from None
