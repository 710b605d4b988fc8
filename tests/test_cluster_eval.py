"""Clustering scores on hand-built clusterings with known values, and checks of the clustering fixture
in tests/data/clusters (schemas, evidence offsets, labels, wire copies, the reference scorer)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

import jsonschema
import pytest

from latticework.cluster_eval import bcubed_scores, gold_reports, pairwise_scores

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = ROOT / "tests" / "data" / "clusters"

# gold: clusters of sizes 3, 2, 1 -> 6 items, 3 + 1 = 4 gold pairs
GOLD = {"a": "g1", "b": "g1", "c": "g1", "d": "g2", "e": "g2", "f": "g3"}


def test_identical_clustering_with_other_labels_scores_one() -> None:
    pred = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y", "f": "z"}
    assert pairwise_scores(GOLD, pred) == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "true_pairs": 4,
                                           "pred_pairs": 4, "gold_pairs": 4, "items": 6, "only_gold": 0,
                                           "only_pred": 0}
    b3 = bcubed_scores(GOLD, pred)
    assert (b3["precision"], b3["recall"], b3["f1"]) == (1.0, 1.0, 1.0)


def test_all_singletons() -> None:
    pred = {k: f"s{i}" for i, k in enumerate(GOLD)}
    pw = pairwise_scores(GOLD, pred)
    assert (pw["precision"], pw["recall"], pw["f1"]) == (1.0, 0.0, 0.0)  # nothing claimed: precision 1
    assert (pw["true_pairs"], pw["pred_pairs"], pw["gold_pairs"]) == (0, 0, 4)
    b3 = bcubed_scores(GOLD, pred)
    assert b3["precision"] == 1.0
    assert b3["recall"] == 0.5  # 3 gold clusters / 6 items
    assert b3["f1"] == 2 / 3


def test_all_in_one_cluster() -> None:
    pred = dict.fromkeys(GOLD, "all")
    pw = pairwise_scores(GOLD, pred)
    assert (pw["true_pairs"], pw["pred_pairs"]) == (4, 15)
    assert pw["precision"] == 4 / 15
    assert pw["recall"] == 1.0
    assert pw["f1"] == 8 / 19
    b3 = bcubed_scores(GOLD, pred)
    assert b3["precision"] == 7 / 18  # (3*3/6 + 2*2/6 + 1*1/6) / 6
    assert b3["recall"] == 1.0
    assert b3["f1"] == 14 / 25


def test_one_wrong_merge() -> None:
    pred = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y", "f": "y"}  # g2 and g3 merged
    pw = pairwise_scores(GOLD, pred)
    assert (pw["true_pairs"], pw["pred_pairs"], pw["gold_pairs"]) == (4, 6, 4)
    assert (pw["precision"], pw["recall"], pw["f1"]) == (2 / 3, 1.0, 0.8)
    b3 = bcubed_scores(GOLD, pred)
    assert b3["precision"] == 7 / 9  # a, b, c: 1; d, e: 2/3; f: 1/3
    assert b3["recall"] == 1.0
    assert b3["f1"] == 7 / 8


def test_one_wrong_split() -> None:
    pred = {"a": "x", "b": "x", "c": "w", "d": "y", "e": "y", "f": "z"}  # c split off g1
    pw = pairwise_scores(GOLD, pred)
    assert (pw["true_pairs"], pw["pred_pairs"], pw["gold_pairs"]) == (2, 2, 4)
    assert (pw["precision"], pw["recall"], pw["f1"]) == (1.0, 0.5, 2 / 3)
    b3 = bcubed_scores(GOLD, pred)
    assert (b3["precision"], b3["recall"], b3["f1"]) == (1.0, 7 / 9, 7 / 8)


def test_only_common_items_are_scored() -> None:
    gold = {**GOLD, "only-in-gold": "g1"}
    pred = {**{k: "x" for k in ("a", "b", "c")}, "d": "y", "e": "y", "f": "z", "only-in-pred": "x"}
    for scores in (pairwise_scores(gold, pred), bcubed_scores(gold, pred)):
        assert (scores["precision"], scores["recall"], scores["f1"]) == (1.0, 1.0, 1.0)
        assert (scores["items"], scores["only_gold"], scores["only_pred"]) == (6, 1, 1)


def test_no_common_item_is_an_error() -> None:
    with pytest.raises(ValueError, match="no item in common"):
        pairwise_scores({"a": "1"}, {"b": "1"})
    with pytest.raises(ValueError, match="no item in common"):
        bcubed_scores({}, {})


def test_no_gold_pairs_gives_recall_one() -> None:
    gold = {"a": "1", "b": "2"}
    pw = pairwise_scores(gold, {"a": "x", "b": "x"})
    assert (pw["precision"], pw["recall"], pw["f1"]) == (0.0, 1.0, 0.0)
    b3 = bcubed_scores(gold, {"a": "x", "b": "x"})
    assert (b3["precision"], b3["recall"], b3["f1"]) == (0.5, 1.0, 2 / 3)


# --- the fixture ---------------------------------------------------------------------------------

def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_fixture_documents_and_gold_are_valid() -> None:
    doc_schema = json.loads((SHARED / "schema" / "document.schema.json").read_text(encoding="utf-8"))
    ev_schema = json.loads((SHARED / "schema" / "event.schema.json").read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in _jsonl(DATA / "corpus.jsonl")}
    gold = _jsonl(DATA / "gold.jsonl")
    assert len(docs) == 26 and [g["doc_id"] for g in gold] == list(docs)
    for doc in docs.values():
        jsonschema.validate(doc, doc_schema)
        assert 80 <= len(doc["text"].split()) <= 250, doc["id"]
        assert doc["source"] and doc["published"].startswith("2025-")
    for line in gold:
        doc = docs[line["doc_id"]]
        assert line["published"] == doc["published"]
        for event in line["events"]:
            jsonschema.validate(event, ev_schema)
            assert event["doc_id"] == doc["id"] and event["story_event"]
            ev = event["evidence"]
            assert doc["text"][ev["start"]:ev["end"]] == ev["text"]
    assert len({d["source"] for d in docs.values()}) >= 8


def test_fixture_reports_and_story_events() -> None:
    reports, clusters = gold_reports(DATA / "gold.jsonl")
    assert len(reports) == 44 and set(clusters) == {r["event_id"] for r in reports}
    assert reports[0]["event_id"] == "clusters-jpn-phl-wire-2025-03-12#g1"
    assert all("story_event" not in r and r["source"] and r["published"] for r in reports)
    sizes = Counter(clusters.values())
    assert len(sizes) == 14
    assert [label for label, n in sizes.items() if n == 1] == ["usa-twn-deliveries-planned-2027"]
    # each story is reported by reports of its own type, and no two stories are one real-world event
    for label in sizes:
        members = [r for r in reports if clusters[r["event_id"]] == label]
        assert len({r["type"] for r in members}) == 1, label


def test_fixture_wire_copies_are_near_duplicates_and_nothing_else_is() -> None:
    groups = json.loads((DATA / "near_duplicates.json").read_text(encoding="utf-8"))
    docs = {d["id"]: d["text"] for d in _jsonl(DATA / "corpus.jsonl")}
    assert all(set(g) <= set(docs) and len(g) >= 2 for g in groups)

    def shingles(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i:i + 5]) for i in range(len(words) - 4)}

    sets = {k: shingles(v) for k, v in docs.items()}
    together = {frozenset(p) for g in groups for p in combinations(g, 2)}
    for a, b in combinations(docs, 2):
        jaccard = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
        if frozenset((a, b)) in together:
            assert jaccard >= 0.6, (a, b, jaccard)
        else:
            assert jaccard < 0.2, (a, b, jaccard)


def test_fixture_gold_scores_one_against_itself(tmp_path: Path) -> None:
    pred = tmp_path / "gold-events.jsonl"
    pred.write_text("".join(json.dumps(e) + "\n" for line in _jsonl(DATA / "gold.jsonl")
                            for e in line["events"]), encoding="utf-8")
    out = subprocess.run([sys.executable, str(SHARED / "tools" / "score_events.py"), str(DATA / "gold.jsonl"),
                          str(pred), "--docs", str(DATA / "corpus.jsonl"), "--json"],
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert result["lenient"]["f1"] == 1.0 and result["strict"]["f1"] == 1.0
    assert result["evidence_valid"] == 1.0
