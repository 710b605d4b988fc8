"""The F1 gate: the coder must keep its measured quality on the seeds, the demo and the held-out set.

Scores come from the reference scorer in ../shared/tools, run as a separate process, so the gate
cannot drift with our own scorer. Floors live in tests/quality_floor.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from latticework.coder import Coder
from latticework.ingest import Document, read_documents

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FLOOR = json.loads((ROOT / "tests" / "quality_floor.json").read_text(encoding="utf-8"))
SETS = {
    "seeds": (SHARED / "corpus" / "seeds.jsonl", SHARED / "gold" / "seeds.jsonl"),
    "demo": (ROOT / "latticework" / "demo" / "corpus.jsonl", ROOT / "latticework" / "demo" / "gold.jsonl"),
    "heldout": (ROOT / "tests" / "data" / "heldout" / "corpus.jsonl", ROOT / "tests" / "data" / "heldout" / "gold.jsonl"),
    "heldout2": (ROOT / "tests" / "data" / "heldout2" / "corpus.jsonl",
                 ROOT / "tests" / "data" / "heldout2" / "gold.jsonl"),
    "news-dev": (SHARED / "corpus" / "news-dev" / "docs.jsonl", SHARED / "corpus" / "news-dev" / "gold.jsonl"),
}


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


@pytest.mark.parametrize("name", list(SETS))
def test_f1_floor(name: str, coder: Coder, tmp_path: Path) -> None:
    docs, gold = SETS[name]
    pred = tmp_path / "pred.jsonl"
    with open(pred, "w", encoding="utf-8") as fh:
        for doc in read_documents([str(docs)]):
            assert isinstance(doc, Document), doc
            for ev in coder.code(doc):
                fh.write(json.dumps(ev) + "\n")
    out = subprocess.run([sys.executable, str(SHARED / "tools" / "score_events.py"), str(gold), str(pred),
                          "--docs", str(docs), "--json"], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    floor = FLOOR["floors"][name]
    assert result["lenient"]["f1"] >= floor["lenient"], result["lenient"]
    assert result["strict"]["f1"] >= floor["strict"], result["strict"]
    assert result["evidence_valid"] >= floor["evidence_valid"]


def test_floors_only_go_down_with_a_reason() -> None:
    history = FLOOR["history"]
    for before, after in zip(history, history[1:], strict=False):
        for name in SETS:
            if name in before and after.get(name, 0) < before[name]:
                assert after.get("lowered_because"), f"floor for {name} lowered without a reason: {after}"
    last = history[-1]
    for name in SETS:
        assert FLOOR["floors"][name]["lenient"] == last[name], "floors and the last history entry disagree"
