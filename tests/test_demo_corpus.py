"""Checks on the shipped demo corpus and the held-out evaluation set, and on their gold files.

These files are hand-written; the tests catch the mistakes a hand-written gold file makes (a mode
that does not belong to its type, an impossible date, a grouping left unexpanded, an "occurred"
event dated after publication, a gold line the reference scorer cannot read) before they silently
distort every F1 computed against them.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import jsonschema
import pycountry
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
DEMO = ROOT / "latticework" / "demo"
HELDOUT = ROOT / "tests" / "data" / "heldout"

SETS = {
    "demo": (DEMO / "corpus.jsonl", DEMO / "gold.jsonl"),
    "heldout": (HELDOUT / "corpus.jsonl", HELDOUT / "gold.jsonl"),
}
MIN_DOCS = {"demo": 10, "heldout": 6}
WORDS = {"demo": (150, 500), "heldout": (150, 1200)}

GOLD_KEYS = {"type", "mode", "actors", "targets", "date", "status", "framework", "location", "hedged",
             "required", "note"}
GOLD_ONLY = {"required", "note"}
ORGANISATIONS = {"NATO", "EU", "ASEAN", "UN", "AU", "ECOWAS", "GCC", "CSTO", "SCO"}
GROUPINGS = {"QUAD", "IP4", "AUKUS", "G7", "G20", "BRICS", "AES"}  # must be expanded, never actors
SEASONS = {21, 22, 23, 24}


def _load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _schema(name: str) -> dict:
    return json.loads((SHARED / "schema" / name).read_text(encoding="utf-8"))


def _ontology_modes() -> dict[str, set[str]]:
    """type -> allowed modes, read from the table in ONTOLOGY.md so the test follows the contract."""
    modes: dict[str, set[str]] = {}
    for line in (SHARED / "ONTOLOGY.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| ([A-Z]+) \| `([a-z_]+)` \|", line)
        if m:
            modes.setdefault(m.group(1), set()).add(m.group(2))
    return modes


def _edtf_interval(value: str) -> tuple[date, date]:
    """Parse the EDTF subset the ontology allows; raises ValueError on anything else."""
    parts = value.split("-")
    year = int(parts[0])
    if len(parts) == 1:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(parts[1])
    if len(parts) == 2 and month in SEASONS:
        first = {21: 3, 22: 6, 23: 9, 24: 12}[month]
        return date(year, first, 1), date(year + (month == 24), (first + 2 - 1) % 12 + 1, 28)
    if len(parts) == 2:
        return date(year, month, 1), date(year, month, 28)
    day = date(year, month, int(parts[2]))
    if len(parts) != 3:
        raise ValueError(value)
    return day, day


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _valid_code(code: str) -> bool:
    return code in ORGANISATIONS or pycountry.countries.get(alpha_3=code) is not None


@pytest.fixture(scope="module", params=sorted(SETS))
def dataset(request: pytest.FixtureRequest) -> tuple[str, list[dict], list[dict]]:
    corpus_path, gold_path = SETS[request.param]
    return request.param, _load(corpus_path), _load(gold_path)


def test_documents_match_schema_and_have_unique_ids(dataset: tuple[str, list[dict], list[dict]]) -> None:
    name, docs, _ = dataset
    validator = jsonschema.Draft202012Validator(_schema("document.schema.json"))
    assert len(docs) >= MIN_DOCS[name]
    ids = [d["id"] for d in docs]
    assert len(ids) == len(set(ids)), "duplicate document ids"
    lo, hi = WORDS[name]
    for doc in docs:
        validator.validate(doc)
        assert date.fromisoformat(doc["published"]) <= date(2025, 12, 31), doc["id"]
        assert date.fromisoformat(doc["published"]) >= date(2022, 1, 1), doc["id"]
        assert doc["source"] and doc["title"] and doc["url"] is None, doc["id"]
        assert lo <= len(doc["text"].split()) <= hi, f"{doc['id']}: {len(doc['text'].split())} words"


def test_every_document_has_exactly_one_gold_line(dataset: tuple[str, list[dict], list[dict]]) -> None:
    _, docs, gold = dataset
    published = {d["id"]: d["published"] for d in docs}
    gold_ids = [g["doc_id"] for g in gold]
    assert len(gold_ids) == len(set(gold_ids))
    assert set(gold_ids) == set(published)
    for line in gold:
        assert set(line) == {"doc_id", "published", "events"}
        assert line["published"] == published[line["doc_id"]]
        assert any(e["required"] for e in line["events"]), f"{line['doc_id']}: no required event"


def test_gold_events_are_valid_events(dataset: tuple[str, list[dict], list[dict]]) -> None:
    """Each acceptable (type, mode) reading of a gold event, minus the gold-only keys, must be a
    schema-valid event; gold has no evidence span, so that one requirement is lifted."""
    _, _, gold = dataset
    schema = copy.deepcopy(_schema("event.schema.json"))
    schema["required"] = [k for k in schema["required"] if k != "evidence"]
    validator = jsonschema.Draft202012Validator(schema)
    modes = _ontology_modes()
    for line in gold:
        for i, ev in enumerate(line["events"]):
            where = f"{line['doc_id']} event {i} ({ev.get('note')})"
            assert set(ev) == GOLD_KEYS, where
            assert isinstance(ev["required"], bool) and isinstance(ev["hedged"], bool), where
            assert ev["note"], where
            base = {k: v for k, v in ev.items() if k not in GOLD_ONLY} | {"doc_id": line["doc_id"]}
            types, kinds = _as_list(ev["type"]), _as_list(ev["mode"])
            for type_, mode in itertools.product(types, kinds):
                validator.validate(base | {"type": type_, "mode": mode})
            # every listed mode must belong to at least one listed type
            for mode in kinds:
                assert mode is None or any(mode in modes[t] for t in types), f"{where}: mode {mode}"


def test_actor_codes_dates_and_locations(dataset: tuple[str, list[dict], list[dict]]) -> None:
    _, _, gold = dataset
    for line in gold:
        published = date.fromisoformat(line["published"])
        for i, ev in enumerate(line["events"]):
            where = f"{line['doc_id']} event {i} ({ev['note']})"
            codes = ev["actors"] + ev["targets"]
            assert ev["actors"], where
            assert all(_valid_code(c) for c in codes), f"{where}: {codes}"
            assert not set(codes) & GROUPINGS, f"{where}: unexpanded grouping"
            assert not set(ev["actors"]) & set(ev["targets"]), where
            assert len(set(ev["actors"])) == len(ev["actors"]), where
            if ev["date"] is not None:
                first, _ = _edtf_interval(ev["date"])
                if ev["status"] == "occurred":
                    assert first <= published, f"{where}: occurred after publication"
            loc = ev["location"]
            if loc is not None:
                assert loc["name"] and (loc["country"] is None or _valid_code(loc["country"])), where
                assert loc["country"] not in ORGANISATIONS, where


def test_reference_scorer_reads_gold_and_scores_it_perfectly(
        dataset: tuple[str, list[dict], list[dict]], tmp_path: Path) -> None:
    """Turning the required gold events into predictions must give F1 = 1 with the shared scorer;
    a date the scorer cannot parse or a malformed line would show up here."""
    name, _, gold = dataset
    preds = []
    for line in gold:
        for ev in line["events"]:
            if ev["required"]:
                preds.append({"doc_id": line["doc_id"], "type": _as_list(ev["type"])[0],
                              "mode": _as_list(ev["mode"])[0], "actors": ev["actors"],
                              "targets": ev["targets"], "date": ev["date"], "status": ev["status"]})
    pred_path = tmp_path / f"{name}-pred.jsonl"
    pred_path.write_text("".join(json.dumps(p) + "\n" for p in preds), encoding="utf-8")
    out = subprocess.run([sys.executable, str(SHARED / "tools" / "score_events.py"), str(SETS[name][1]),
                          str(pred_path), "--json"], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert result["lenient"]["f1"] == 1.0 and result["strict"]["f1"] == 1.0, result
    assert result["required"] == len(preds)


def test_no_text_copied_from_the_seed_articles(dataset: tuple[str, list[dict], list[dict]]) -> None:
    """House rule: the corpora are written from scratch; no 60-character run may match a seed."""
    _, docs, _ = dataset
    seeds = [json.loads(x)["text"] for x in (SHARED / "corpus" / "seeds.jsonl").read_text().splitlines() if x]
    seed_text = " ".join(" ".join(s.split()) for s in seeds)
    for doc in docs:
        text = " ".join(doc["text"].split())
        for start in range(0, max(1, len(text) - 60), 20):
            chunk = text[start:start + 60]
            assert chunk not in seed_text, f"{doc['id']}: copied from a seed: {chunk!r}"


def test_demo_corpus_covers_the_phenomena_the_coder_must_handle() -> None:
    docs = _load(DEMO / "corpus.jsonl")
    text = "\n".join(d["text"] for d in docs)
    for phrase in ("reportedly", "according to", "will not", "last week", "on Monday", "next year",
                   "this autumn", "by 2027", "Ankara", "The Kremlin", "Share", "also available in",
                   "[1]", "References", "About the author", "NATO", "AUKUS", "Quad", "G7", "ASEAN",
                   "European Union"):
        assert phrase.lower() in text.lower(), phrase
    gold = [e for line in _load(DEMO / "gold.jsonl") for e in line["events"]]
    assert {e["status"] for e in gold} == {"occurred", "planned"}
    assert any(e["hedged"] for e in gold)
    assert {t for e in gold for t in _as_list(e["type"])} >= {
        "CONSULT", "AGREE", "COOPERATE", "AID", "MOBILIZE", "REQUEST", "ACCUSE"}
    # the essay's notes, references, share lines and biography must carry no gold event
    essay = next(d for d in docs if "About the author" in d["text"])
    assert "[1]" in essay["text"]
