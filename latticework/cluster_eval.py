"""Scoring event clusterings: which reports a clusterer puts together, against a gold clustering.

A clustering is a map `{item id: cluster id}` (for event clustering the items are reports, keyed by
`event_id`; for near-duplicate detection they can be document ids). Only the items present in both
the gold and the predicted map are scored; the counts of items found on one side only are reported
next to the scores so that a coverage gap is never hidden behind a good number.

Two standard measures are given, computed exactly (with fractions) and returned as floats:

* **pairwise** precision/recall/F1 over unordered pairs of items placed in the same cluster;
* **B-cubed** (Bagga & Baldwin 1998) precision/recall/F1, averaged over items.

`gold_reports` turns a gold file with `story_event` labels (tests/data/clusters/gold.jsonl) into the
report list a clusterer takes and the gold clustering to score it against.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

Clustering = Mapping[str, str]


def _common(gold: Clustering, pred: Clustering) -> tuple[list[str], dict[str, int]]:
    items = sorted(set(gold) & set(pred))
    if not items:
        raise ValueError("the gold and predicted clusterings have no item in common")
    coverage = {"items": len(items), "only_gold": len(set(gold) - set(pred)),
                "only_pred": len(set(pred) - set(gold))}
    return items, coverage


def _f1(p: Fraction, r: Fraction) -> Fraction:
    return 2 * p * r / (p + r) if p + r else Fraction(0)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_scores(gold: Clustering, pred: Clustering) -> dict[str, Any]:
    """Pairwise precision, recall and F1 over the items present in both maps.

    With G the set of unordered pairs {i, j} (i != j) that share a gold cluster and P the set that
    share a predicted cluster:

        precision = |G ∩ P| / |P|        recall = |G ∩ P| / |G|        F1 = 2·p·r / (p + r)

    Counted from the contingency table: |G ∩ P| = Σ_{g,p} C(n_gp, 2), |P| = Σ_p C(n_p, 2),
    |G| = Σ_g C(n_g, 2), where n_gp is the number of items in gold cluster g and predicted cluster p.
    An empty denominator means nothing was claimed (|P| = 0) or nothing could be missed (|G| = 0);
    that precision or recall is then 1.0. F1 is 0.0 when precision and recall are both 0.

    Returns precision, recall, f1, the pair counts (`true_pairs`, `pred_pairs`, `gold_pairs`) and
    the coverage counts (`items`, `only_gold`, `only_pred`). Raises ValueError when no item is common.
    """
    items, coverage = _common(gold, pred)
    cells = Counter((gold[i], pred[i]) for i in items)
    tp = sum(_pairs(n) for n in cells.values())
    pred_pairs = sum(_pairs(n) for n in Counter(pred[i] for i in items).values())
    gold_pairs = sum(_pairs(n) for n in Counter(gold[i] for i in items).values())
    p = Fraction(tp, pred_pairs) if pred_pairs else Fraction(1)
    r = Fraction(tp, gold_pairs) if gold_pairs else Fraction(1)
    return {"precision": float(p), "recall": float(r), "f1": float(_f1(p, r)),
            "true_pairs": tp, "pred_pairs": pred_pairs, "gold_pairs": gold_pairs, **coverage}


def bcubed_scores(gold: Clustering, pred: Clustering) -> dict[str, Any]:
    """B-cubed precision, recall and F1 over the items present in both maps.

    For each item i, with G(i) its gold cluster and P(i) its predicted cluster (both restricted to
    the common items, and both containing i itself):

        precision(i) = |G(i) ∩ P(i)| / |P(i)|        recall(i) = |G(i) ∩ P(i)| / |G(i)|

        precision = mean_i precision(i)   recall = mean_i recall(i)   F1 = 2·p·r / (p + r)

    Every item counts once, so a big cluster weighs in proportion to its size. All singletons give
    precision 1 and recall (number of gold clusters) / N; one cluster of everything gives recall 1
    and precision Σ_g n_g² / N².

    Returns precision, recall, f1 and the coverage counts (`items`, `only_gold`, `only_pred`).
    Raises ValueError when no item is common.
    """
    items, coverage = _common(gold, pred)
    cells = Counter((gold[i], pred[i]) for i in items)
    gold_size = Counter(gold[i] for i in items)
    pred_size = Counter(pred[i] for i in items)
    n = len(items)
    p = sum((Fraction(cells[gold[i], pred[i]], pred_size[pred[i]]) for i in items), Fraction(0)) / n
    r = sum((Fraction(cells[gold[i], pred[i]], gold_size[gold[i]]) for i in items), Fraction(0)) / n
    return {"precision": float(p), "recall": float(r), "f1": float(_f1(p, r)), **coverage}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def gold_reports(path: str | Path, docs: str | Path | None = None
                 ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Load a clustering gold file into (reports, gold clustering).

    `path` is a gold file in the `{"doc_id", "published", "events": [...]}` line format whose events
    carry a `story_event` label (the real-world event they report). `docs` is the corpus the gold
    was written for; by default `corpus.jsonl` next to the gold file.

    Each report is a copy of its gold event with `event_id` = f"{doc_id}#g{n}" (n counts the
    document's gold events from 1, in file order, so ids are stable), `source` and `published` taken
    from the document (the gold line's `published` when the document has none), and `story_event`
    removed, so the reports can go to a clusterer without the answer. The clustering maps each
    `event_id` to its `story_event`. Raises ValueError for an event without a label or a document
    missing from the corpus.
    """
    path = Path(path)
    corpus = {d["id"]: d for d in _read_jsonl(Path(docs) if docs is not None else path.with_name("corpus.jsonl"))}
    reports: list[dict[str, Any]] = []
    clusters: dict[str, str] = {}
    for line in _read_jsonl(path):
        doc_id = line["doc_id"]
        if doc_id not in corpus:
            raise ValueError(f"{path}: document {doc_id!r} is not in the corpus")
        doc = corpus[doc_id]
        for n, event in enumerate(line.get("events", []), start=1):
            report = dict(event)
            label = report.pop("story_event", None)
            if not label:
                raise ValueError(f"{path}: event {n} of {doc_id!r} has no story_event")
            report["event_id"] = f"{doc_id}#g{n}"
            report["doc_id"] = doc_id
            report["source"] = doc.get("source")
            report["published"] = doc.get("published") or line.get("published")
            reports.append(report)
            clusters[report["event_id"]] = str(label)
    return reports, clusters


def label_predicted(predicted: list[dict[str, Any]], reports: list[dict[str, Any]],
                    gold: dict[str, str]) -> dict[str, str]:
    """Gold labels for coded reports: a predicted report takes the label of the first gold report of
    its document with the same type, the same set of parties and a compatible date; one matching no
    gold report is left out (it is the coder's error, not the clusterer's). The result scores the
    clustering of what the coder found against `gold` with pairwise_scores/bcubed_scores."""
    from latticework.intervals import compatible

    def parties(e: dict[str, Any]) -> frozenset[str]:
        return frozenset(e.get("actors") or []) | frozenset(e.get("targets") or [])

    by_doc: dict[str, list[dict[str, Any]]] = {}
    for r in reports:
        by_doc.setdefault(r["doc_id"], []).append(r)
    out: dict[str, str] = {}
    for p in predicted:
        for g in by_doc.get(p.get("doc_id") or "", []):
            if g["type"] == p["type"] and parties(g) == parties(p) and compatible(g.get("date"), p.get("date")):
                out[p["event_id"]] = gold[g["event_id"]]
                break
    return out
