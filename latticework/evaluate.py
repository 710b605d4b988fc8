"""Scoring coded events against a gold file, by the matching rules of ONTOLOGY.md.

The headline numbers (lenient/strict P/R/F1, attribute accuracy, evidence validity) are defined to
equal those of the project's reference scorer, so a user can trust `latticework eval` on their own
gold file; on top it says *where* the coder loses: per-type scores and the lists of missed gold
events and spurious predictions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from latticework.intervals import compatible

Event = dict[str, Any]

TIERS_LENIENT = ("exact", "strict", "lenient")
TIERS_STRICT = ("exact", "strict")


class EvalInputError(ValueError):
    """A gold or prediction file that cannot be read; the message names file and line."""


# --- matching ------------------------------------------------------------------------------------

def _accepted(value: Any) -> set[Any]:
    """Gold type/mode may be one value or a list of acceptable values."""
    return set(value) if isinstance(value, list) else {value}


def participants(event: Event) -> set[str]:
    return set(event.get("actors") or []) | set(event.get("targets") or [])


def _overlap(a: set[str], b: set[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def pair_ok(pred: Event, gold: Event, tier: str) -> bool:
    """Whether `pred` may stand for `gold` at a tier: 'lenient' needs party overlap >= 0.5,
    'strict' equal parties, 'exact' also the mode, targets, status and a date where gold has one."""
    if pred.get("type") not in _accepted(gold.get("type")):
        return False
    pp, gp = participants(pred), participants(gold)
    if tier == "lenient":
        if _overlap(pp, gp) < 0.5:
            return False
    elif pp != gp:
        return False
    if tier == "exact":
        if gold.get("mode") is not None and pred.get("mode") not in _accepted(gold["mode"]):
            return False
        if set(pred.get("targets") or []) != set(gold.get("targets") or []):
            return False
        if pred.get("status", "occurred") != gold.get("status", "occurred"):
            return False
        if gold.get("date") is not None and pred.get("date") is None:
            return False
    return compatible(pred.get("date"), gold.get("date"))


def match_document(preds: list[Event], golds: list[Event], tiers: tuple[str, ...]) -> dict[int, int]:
    """Maximum bipartite matching gold -> prediction, built tier by tier (tightest first) with
    augmenting paths, required gold before optional, so near-duplicate events pair up with their
    own counterparts rather than crosswise. Returns {gold index: prediction index}.

    An optional gold event never keeps a prediction that a required one needs: when a required
    event finds no augmenting path through a prediction an optional event holds, it takes that
    prediction and the optional event goes unmatched (the reference scorer's rule, step for step)."""
    pred_to_gold: dict[int, int] = {}
    required = [bool(g.get("required", True)) for g in golds]
    order = [gi for gi in range(len(golds)) if required[gi]]
    order += [gi for gi in range(len(golds)) if not required[gi]]

    def try_place(gi: int, visited: set[int], tier: str) -> bool:
        for pi, pred in enumerate(preds):
            if pi in visited or not pair_ok(pred, golds[gi], tier):
                continue
            visited.add(pi)
            holder = pred_to_gold.get(pi)
            # the order of the tests matters: the holder first tries to move elsewhere (which may
            # mark more predictions visited), and only then may a required event take its place
            if holder is None or try_place(holder, visited, tier) or (required[gi] and not required[holder]):
                pred_to_gold[pi] = gi
                return True
        return False

    for tier in tiers:
        for gi in order:
            if gi not in pred_to_gold.values():
                try_place(gi, set(), tier)
    return {gi: pi for pi, gi in pred_to_gold.items()}


def _prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


class _Tally:
    """Counts for one tier, overall and per event type, plus what was missed and spurious."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # type -> tp, fp, fn
        self.pairs: list[tuple[Event, Event]] = []
        self.missed: list[Event] = []
        self.spurious: list[Event] = []

    def doc(self, golds: list[Event], preds: list[Event], matching: dict[int, int]) -> None:
        for gi, g in enumerate(golds):
            pi = matching.get(gi)
            if pi is not None:
                self.pairs.append((g, preds[pi]))
            if not g.get("required", True):
                continue
            if pi is not None:
                self.counts[str(preds[pi].get("type"))][0] += 1
            else:
                self.counts[str(_first(g.get("type")))][2] += 1
                self.missed.append(g)
        used = set(matching.values())
        for pi, p in enumerate(preds):
            if pi not in used:
                self.counts[str(p.get("type"))][1] += 1
                self.spurious.append(p)

    def total(self) -> dict[str, Any]:
        tp, fp, fn = (sum(c[i] for c in self.counts.values()) for i in range(3))
        return _prf(tp, fp, fn)

    def by_type(self) -> dict[str, dict[str, Any]]:
        return {t: _prf(*c) for t, c in sorted(self.counts.items())}


def _tally(gold_docs: dict[str, dict], by_doc: dict[Any, list[Event]], tiers: tuple[str, ...]) -> _Tally:
    tally = _Tally()
    for doc_id, gdoc in gold_docs.items():
        golds = gdoc.get("events") or []
        preds = by_doc.get(doc_id, [])
        tally.doc(golds, preds, match_document(preds, golds, tiers))
    for doc_id, preds in by_doc.items():
        if doc_id not in gold_docs:  # predictions for documents the gold does not cover
            tally.doc([], preds, {})
    return tally


_Check = tuple[Callable[[Event], bool], Callable[[Event, Event], bool]]
_ATTRIBUTE_CHECKS: dict[str, _Check] = {
    "mode": (lambda g: g.get("mode") is not None,
             lambda g, p: p.get("mode") in _accepted(g["mode"])),
    "status": (lambda g: True,
               lambda g, p: p.get("status", "occurred") == g.get("status", "occurred")),
    "direction": (lambda g: bool(g.get("targets")),
                  lambda g, p: set(p.get("targets") or []) == set(g["targets"])),
    "date": (lambda g: g.get("date") is not None,
             lambda g, p: p.get("date") is not None and compatible(p["date"], g["date"])),
    "location": (lambda g: g.get("location") is not None,
                 lambda g, p: bool(p.get("location")) and p["location"].get("country") == g["location"].get("country")),
}


def attribute_accuracy(pairs: list[tuple[Event, Event]]) -> dict[str, float | None]:
    """Share of matched pairs (lenient) that get each attribute right, over pairs where gold has it."""
    out: dict[str, float | None] = {}
    for name, (applies, right) in _ATTRIBUTE_CHECKS.items():
        relevant = [(g, p) for g, p in pairs if applies(g)]
        out[name] = round(sum(right(g, p) for g, p in relevant) / len(relevant), 4) if relevant else None
    return out


def evidence_validity(preds: list[Event], texts: dict[str, str]) -> float | None:
    """Share of predictions whose evidence offsets lie in their document and cut out its text."""
    if not preds:
        return None
    good = 0
    for p in preds:
        ev = p.get("evidence") or {}
        text = texts.get(p.get("doc_id"))  # type: ignore[arg-type]
        s, e = ev.get("start"), ev.get("end")
        if text is not None and isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text):
            good += text[s:e] == ev.get("text", text[s:e])
    return round(good / len(preds), 4)


def _brief(event: Event, evidence: bool = False) -> dict[str, Any]:
    row = {"doc_id": event.get("doc_id"), "type": event.get("type"), "mode": event.get("mode"),
           "actors": event.get("actors") or [], "targets": event.get("targets") or [],
           "date": event.get("date"), "status": event.get("status")}
    if evidence:
        row["evidence"] = ((event.get("evidence") or {}).get("text") or "")[:160]
    else:
        row["note"] = event.get("note")
    return row


def score(gold_docs: dict[str, dict], preds: list[Event], texts: dict[str, str] | None = None) -> dict[str, Any]:
    """All numbers for one run. Keys shared with the reference scorer's --json output have the same
    values; `by_type`, `missed` and `spurious` are additions (lenient matching)."""
    by_doc: dict[Any, list[Event]] = defaultdict(list)
    for p in preds:
        by_doc[p.get("doc_id")].append(p)
    lenient = _tally(gold_docs, by_doc, TIERS_LENIENT)
    strict = _tally(gold_docs, by_doc, TIERS_STRICT)
    result: dict[str, Any] = {
        "documents": len(gold_docs),
        "predicted": len(preds),
        "required": sum(bool(e.get("required", True)) for d in gold_docs.values() for e in d.get("events") or []),
        "lenient": lenient.total(),
        "strict": strict.total(),
        "attributes": attribute_accuracy(lenient.pairs),
    }
    if texts is not None:
        result["evidence_valid"] = evidence_validity(preds, texts)
    strict_types = strict.by_type()
    result["by_type"] = {
        t: {"lenient": s, "strict": strict_types.get(t, _prf(0, 0, 0))} for t, s in lenient.by_type().items()
    }
    for t, s in strict_types.items():
        result["by_type"].setdefault(t, {"lenient": _prf(0, 0, 0), "strict": s})
    result["missed"] = [_brief(dict(g, doc_id=g.get("doc_id", d))) for d, g in _with_doc(gold_docs, lenient.missed)]
    result["spurious"] = [_brief(p, evidence=True) for p in lenient.spurious]
    return result


def _with_doc(gold_docs: dict[str, dict], events: list[Event]) -> list[tuple[str, Event]]:
    """Gold events do not carry their doc_id; find it by identity."""
    owner = {id(e): d for d, doc in gold_docs.items() for e in doc.get("events") or []}
    return [(owner.get(id(e), ""), e) for e in events]


# --- files ---------------------------------------------------------------------------------------

def load_jsonl(path: str | Path) -> list[dict]:
    """All objects of a JSONL file; a bad line raises EvalInputError naming file and line."""
    rows: list[dict] = []
    try:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise EvalInputError(f"{path}:{n}: malformed JSON ({e.msg})") from None
                if not isinstance(obj, dict):
                    raise EvalInputError(f"{path}:{n}: expected a JSON object")
                rows.append(obj)
    except OSError as e:
        raise EvalInputError(f"{path}: cannot read ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise EvalInputError(f"{path}: invalid UTF-8") from None
    return rows


def load_gold(path: str | Path) -> dict[str, dict]:
    gold: dict[str, dict] = {}
    for n, row in enumerate(load_jsonl(path), 1):
        if "doc_id" not in row or not isinstance(row.get("events", []), list):
            raise EvalInputError(f"{path}: record {n}: a gold line needs \"doc_id\" and an \"events\" list")
        gold[row["doc_id"]] = row
    return gold


def document_texts(docs: Iterable[str | Path]) -> dict[str, str]:
    """Texts by id from any input `read_documents` accepts (no language filtering: scoring only)."""
    from latticework.ingest import Document, read_documents

    texts: dict[str, str] = {}
    for item in read_documents([str(d) for d in docs], language_check=False):
        if isinstance(item, Document):
            texts[item.id] = item.text
    return texts


def evaluate(gold_path: str | Path, pred_path: str | Path | None = None, docs_path: str | Path | None = None,
             problems: list[str] | None = None) -> dict[str, Any]:
    """Score a prediction file, or (no `pred_path`) code `docs_path` with the default coder first.
    Documents the reader rejects while coding are appended to `problems` as one-line messages."""
    gold = load_gold(gold_path)
    texts: dict[str, str] | None = None
    if pred_path is not None:
        preds = load_jsonl(pred_path)
        if docs_path is not None:
            texts = document_texts([docs_path])
    elif docs_path is not None:
        from latticework.coder import Coder, code_documents
        from latticework.ingest import Document, read_documents

        texts = {}

        def documents() -> Iterator[Document]:
            for item in read_documents([str(docs_path)]):
                if isinstance(item, Document):
                    texts[item.id] = item.text
                    yield item
                elif problems is not None:
                    problems.append(str(item))

        preds = [e for _, events in code_documents(documents(), Coder()) for e in events]
    else:
        raise EvalInputError("give a prediction file, or --docs to code the documents first")
    return score(gold, preds, texts)


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The reference scorer's text report, line for line."""
    lines = [f"documents {result['documents']}  predicted {result['predicted']}  required gold {result['required']}"]
    for name in ("lenient", "strict"):
        r = result[name]
        lines.append(f"{name:8} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}"
                     f"  (tp {r['tp']} fp {r['fp']} fn {r['fn']})")
    lines.append("matched-pair accuracy: " + "  ".join(
        f"{k} {v:.3f}" if v is not None else f"{k} n/a" for k, v in result["attributes"].items()))
    if "evidence_valid" in result:
        lines.append(f"evidence offsets valid: {result['evidence_valid']}")
    lines.append(f"F1 lenient {result['lenient']['f1']:.3f} strict {result['strict']['f1']:.3f}")
    return lines


def type_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-type table rows (for output.write_rows)."""
    rows = []
    for t, s in result["by_type"].items():
        le, st = s["lenient"], s["strict"]
        rows.append({"type": t, "tp": le["tp"], "fp": le["fp"], "fn": le["fn"], "P": f"{le['precision']:.3f}",
                     "R": f"{le['recall']:.3f}", "F1": f"{le['f1']:.3f}", "strict F1": f"{st['f1']:.3f}"})
    return rows


def event_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Compact rows for the missed/spurious listings: fits an 80-column terminal."""
    rows = []
    for e in events:
        kind = "/".join(str(x) for x in (_first(e.get("type")), _first(e.get("mode"))) if x)
        who = " ".join(e.get("actors") or [])
        if e.get("targets"):
            who += " -> " + " ".join(e["targets"])
        words = str(e.get("note") or e.get("evidence") or "")
        rows.append({"doc": e.get("doc_id"), "event": kind, "parties": who, "date": e.get("date") or "",
                     "status": e.get("status") or "", "note / evidence": words[:70]})
    return rows
