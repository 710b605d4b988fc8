"""Stage 6, events: triggers with their resolved slots become ontology events.

Per trigger: the frame maps slots to actors and targets; the ontology's rules then apply — a pledge
absorbs the act it governs unless that act has its own time (rule 3), an event noun carried by a
trigger verb of the same type is that verb's event, an arms contract is a transfer (rule 4), lists
of partners of plural deals are one event per partner (rule 1), and repeats within a document merge.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from latticework.coder.rules import Frame
from latticework.intervals import to_interval
from latticework.ontology import SYMMETRIC  # noqa: E402


@dataclass
class Candidate:
    """An event before assembly: the trigger, its frame and everything the attribute stages found."""

    trigger_i: int
    trigger_text: str
    trigger_char: int  # offset in the document
    frame: Frame
    actors: list[str]
    targets: list[str]
    date: str | None
    own_date: bool
    status: str
    hedged: bool
    location: dict | None
    framework: str | None
    sentence: tuple[int, int, str]  # start, end, text
    governed_by: int | None = None  # trigger index of a pledge/verb that governs this one
    carrier: int | None = None  # token index of the verb carrying an event noun
    plural: bool = False
    partners: list[list[str]] = field(default_factory=list)  # conjoined partner groups of the with-slot
    noun: bool = False
    confidence: float = 0.8
    distributive: bool = False  # "each", "separately", "bilateral": one event per partner
    headline: bool = False
    partner_places: list = field(default_factory=list)  # one place per partner group, when each has its own
    refers_back: bool = False  # "signed the pact": the object is a document already told of
    subject_codes: list[str] = field(default_factory=list)  # set when "each" distributes over the subject
    past: bool = False  # told in the simple past ("met", "held talks"): may take the paragraph's date
    people: tuple[str, ...] = ()  # people named among the parties (who met whom tells meetings apart)
    again: bool = False  # "also", "separately", "then": a report that adds an event  # from a title-like first line: a lede restating the body
    pairwise: bool = False  # partners are complete groups ("the Japan-ROK and Japan-China talks")


def event_id(doc_id: str, c: Candidate, actors: list[str], targets: list[str]) -> str:
    key = f"{doc_id}|{c.sentence[0]}|{c.trigger_char}|{c.frame.type}|{','.join(actors)}|{','.join(targets)}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def to_events(doc_id: str, c: Candidate) -> list[dict]:
    """One candidate as one or more ontology events (one per partner for a list of separate deals)."""
    f = c.frame
    actors = sorted(dict.fromkeys(c.actors))
    targets = sorted(dict.fromkeys(t for t in c.targets if t not in actors))
    if f.type in SYMMETRIC:
        actors, targets = sorted(set(actors) | set(targets)), []
    groups = [(actors, targets)]
    others = [a for a in actors if a not in c.subject_codes]
    if f.type in SYMMETRIC and len(set(c.subject_codes)) >= 2 and others:
        groups = [(sorted({s_, *others}), []) for s_ in dict.fromkeys(c.subject_codes)]  # "A and B each signed"
    elif c.pairwise:
        groups = [(sorted(set(p)), []) for p in c.partners]
    elif f.type in SYMMETRIC and (c.plural or c.distributive or "each" in f.flags) and len(c.partners) >= 2:
        side = [a for a in actors if not any(a in p for p in c.partners)]
        if side:
            groups = [(sorted(set(side) | set(p)), []) for p in c.partners]
    if f.type == "AID" and (len(actors) > 1 or len(targets) > 1) and actors and targets:
        groups = [([a], [t]) for a in actors for t in targets]
    out = []
    places = c.partner_places if len(c.partner_places) == len(groups) else []
    for k, (acts, tgts) in enumerate(groups):
        where = places[k] if places else c.location
        out.append({
            "event_id": event_id(doc_id, c, acts, tgts), "doc_id": doc_id, "type": f.type, "mode": f.mode,
            "framework": c.framework, "date": c.date, "status": c.status, "hedged": c.hedged, "location": where,
            "evidence": {"text": c.sentence[2], "start": c.sentence[0], "end": c.sentence[1]},
            "confidence": round(c.confidence, 2), "cameo": f.cameo, "trigger": c.trigger_text,
            "actors": acts, "targets": tgts, "_noun": c.noun or c.headline or c.refers_back,
            "_people": c.people, "_again": c.again,
        })
    return out


def _days_apart(a: str | None, b: str | None) -> int:
    if not a or not b:
        return 0
    ia, ib = to_interval(a), to_interval(b)
    if ia is None or ib is None:
        return 10**6
    if ia[1] < ib[0]:
        return (ib[0] - ia[1]).days
    if ib[1] < ia[0]:
        return (ia[0] - ib[1]).days
    return 0


def dedupe(events: list[dict]) -> list[dict]:
    """Merge reports of the same event within a document: same type, mode and parties, dates compatible.

    A visit during which a meeting is reported is the meeting; a dated report beats an undated one."""
    out: list[dict] = []
    for ev in events:
        same = None
        for i, o in enumerate(out):
            if o["type"] != ev["type"] or o["actors"] != ev["actors"] or o["targets"] != ev["targets"]:
                continue
            modes = {o["mode"], ev["mode"]}
            if o["mode"] != ev["mode"] and modes != {"visit", "meeting"}:
                continue
            if _days_apart(o["date"], ev["date"]) > (7 if len(modes) == 2 else 0):
                continue
            if len(modes) == 2 and not (o["date"] and ev["date"]) and o["evidence"]["start"] != ev["evidence"]["start"]:
                continue  # a visit is the meeting held during it only when both are dated, or said together
            if o["date"] is None and ev["date"] is None and len(modes) == 1 and not (o["_noun"] or ev["_noun"]):
                continue  # two undated verb reports in different places: two events, unless one refers back
            if (o["date"] is None) != (ev["date"] is None) and len(modes) == 1 and not (
                    o["_noun"] if o["date"] is None else ev["_noun"]):
                continue  # an undated verb report is its own event; an undated noun ("the talks") refers back
            if o["status"] != ev["status"] and o["date"] and ev["date"] and len(modes) == 1:
                continue
            if len(modes) == 1 and (ev["_again"] or (o["_people"] and ev["_people"]
                                                     and not set(o["_people"]) & set(ev["_people"]))):
                continue  # "Singh also met Sullivan" after "he met Austin": another meeting
            same = i
            break
        if same is None:
            out.append(ev)
            continue
        o = out[same]
        keep = o
        if ev["mode"] == "meeting" and o["mode"] == "visit":
            keep = ev
        elif o["date"] is None and ev["date"] is not None:
            keep = ev
        merged = dict(keep)
        merged["confidence"] = max(o["confidence"], ev["confidence"])
        merged["location"] = keep["location"] or o["location"] or ev["location"]
        merged["date"] = keep["date"] or o["date"] or ev["date"]
        merged["framework"] = keep["framework"] or o["framework"] or ev["framework"]
        out[same] = merged
    for ev in out:
        for k in ("_noun", "_people", "_again"):
            ev.pop(k, None)
    return out
