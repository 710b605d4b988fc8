"""Import of the field's real data files and round-trips of every export format."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from latticework import interchange as I

SHARED = Path(__file__).parents[1] / ".." / "shared"
DATA = SHARED / "data"
GDELT = DATA / "gdelt" / "20191024143000.export.CSV"
ICEWS = DATA / "icews" / "events.2018.sample.tab"
DCAD = DATA / "dcad" / "DCAD-v1.0-main.csv"
POLECAT = Path(__file__).parent / "data" / "polecat_sample.tsv"


def test_gdelt_real_file() -> None:
    events = list(I.read_gdelt(GDELT, defence_only=False))  # the defence filter: tests/test_gdelt.py
    codes = Counter(e["cameo"] for e in events)
    # the README counts 42×057, 10×062, 13×072; only dyads with two known states survive
    assert 0 < codes["057"] <= 42 and codes["072"] <= 13
    assert all(e["source"] == "gdelt" and e["event_id"].startswith("gdelt:") for e in events)
    aid = [e for e in events if e["type"] == "AID"]
    assert aid and all(e["mode"] == "arms_transfer" and len(e["targets"]) == 1 for e in aid)
    assert all(e["date"] and len(e["date"]) == 10 for e in events)
    assert not any(e["cameo"].startswith("19") for e in events)  # fighting is outside the ontology


def test_icews_real_file() -> None:
    events = list(I.read_icews(ICEWS))
    first = next(e for e in events if e["event_id"] == "icews:32889836")
    assert first["type"] == "CONSULT" and first["actors"] == ["BGD", "VNM"] and first["date"] == "2018-06-01"
    assert first["location"] == {"name": "Hanoi", "country": "VNM"}
    assert {e["type"] for e in events} >= {"CONSULT", "AGREE", "ACCUSE", "THREATEN"}
    assert all(e["actors"] for e in events)


def test_dcad_real_file() -> None:
    events = list(I.read_dcad(DCAD))
    assert len(events) >= 1860
    first = events[0]
    assert (first["event_id"], first["type"], first["mode"], first["actors"], first["date"]) == \
        ("dcad:DCADv1.0-0001", "AGREE", "sign", ["CAN", "USA"], "1984-04-01")
    assert any(set(e["actors"]) == {"GBR", "FRA"} for e in events)  # COW 200 UKG → GBR, 220 FRN → FRA


def test_polecat_sample() -> None:
    events = {e["event_id"]: e for e in I.read_polecat(POLECAT)}
    assert "polecat:pc-0004" not in events  # humanitarian aid is not an arms transfer
    assert "polecat:pc-0009" not in events  # PROTEST is outside the ontology
    assert events["polecat:pc-0003"]["actors"] == ["USA"] and events["polecat:pc-0003"]["targets"] == ["UKR"]
    assert events["polecat:pc-0010"]["actors"] == ["JPN", "KOR", "USA"] and events["polecat:pc-0010"]["mode"] == "call"
    assert events["polecat:pc-0006"]["type"] == "AGREE"


def test_bad_files_give_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "short.CSV"
    bad.write_text("1\t20240101\t202401\n", encoding="utf-8")
    with pytest.raises(I.InterchangeError, match=r"short\.CSV:1: expected 61"):
        list(I.read_gdelt(bad))
    bad_pc = tmp_path / "pc.tsv"
    bad_pc.write_text(POLECAT.read_text(encoding="utf-8").replace("2023-04-02", "April 2"), encoding="utf-8")
    with pytest.raises(I.InterchangeError, match=r"pc\.tsv:3: Event Date 'April 2'"):
        list(I.read_polecat(bad_pc))
    with pytest.raises(I.InterchangeError, match="no such file"):
        list(I.read_files("dcad", [tmp_path / "missing.csv"]))


SAMPLE = [
    {"doc_id": "d1", "event_id": "d1#1", "type": "AGREE", "mode": "sign", "actors": ["JPN", "KOR", "USA"],
     "targets": [], "framework": "TSCF", "date": "2024-07-28", "status": "occurred", "hedged": False,
     "location": {"name": "Tokyo", "country": "JPN"}, "evidence": {"text": "They signed it.", "start": 0, "end": 15},
     "confidence": 0.9},
    {"doc_id": "d1", "event_id": "d1#2", "type": "ACCUSE", "mode": "designate_threat", "actors": ["JPN"],
     "targets": ["CHN"], "framework": None, "date": "2024-07", "status": "occurred", "hedged": False,
     "location": None, "evidence": {"text": "Named a threat.", "start": 20, "end": 35}, "confidence": 0.8},
    {"doc_id": "d2", "event_id": "d2#1", "type": "AID", "mode": "arms_transfer", "actors": ["JPN"],
     "targets": ["PHL"], "framework": None, "date": "2024-03-01", "status": "occurred", "hedged": True,
     "location": None, "evidence": {"text": "Radars supplied.", "start": 0, "end": 16}, "confidence": 0.7},
]


def test_plover_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    with open(path, "w", encoding="utf-8") as fh:
        assert I.export_events(SAMPLE, "plover", fh) == 3
    recs = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]  # PLOVER 0.8: JSONL
    assert recs[0]["event"] == ["SUPPORT"] and recs[1]["event"] == ["ACCUSE"] and recs[2]["context"] == ["military"]
    back = list(I.read_plover(path))
    for a, b in zip(SAMPLE, back, strict=True):
        for k in ("event_id", "type", "mode", "actors", "targets", "framework", "date", "hedged", "location"):
            assert a[k] == b[k], k
        assert a["evidence"]["text"] == b["evidence"]["text"]


def test_polecat_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "e.tsv"
    with open(path, "w", encoding="utf-8") as fh:
        I.export_events(SAMPLE, "polecat", fh)
    rows = list(csv.reader(path.open(encoding="utf-8"), delimiter="\t"))
    assert rows[0] == I.POLECAT_COLUMNS and all(len(r) == 40 for r in rows)
    back = {e["event_id"]: e for e in I.read_polecat(path)}
    assert back["polecat:d1#1"]["type"] == "AGREE" and back["polecat:d1#1"]["actors"] == ["JPN", "KOR", "USA"]
    assert back["polecat:d2#1"]["actors"] == ["JPN"] and back["polecat:d2#1"]["targets"] == ["PHL"]
    assert back["polecat:d1#2"]["type"] == "ACCUSE" and back["polecat:d1#2"]["date"] == "2024-07-01"


def test_gdelt_table_round_trip(tmp_path: Path) -> None:
    buf = io.StringIO()
    n = I.export_events(SAMPLE, "gdelt", buf)
    assert n == 5  # the three-party agreement becomes three dyads
    lines = buf.getvalue().splitlines()
    assert lines[0].split("\t") == I.GDELT_COLUMNS and all(len(x.split("\t")) == 61 for x in lines)
    row = dict(zip(I.GDELT_COLUMNS, lines[4].split("\t"), strict=True))
    assert (row["EventCode"], row["EventRootCode"], row["QuadClass"], row["SQLDATE"]) == ("111", "11", "3", "20240701")
    tmp = tmp_path / "gdelt.tsv"
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    back = list(I.read_gdelt_table(tmp))
    pairs = sorted(tuple(e["actors"] + e["targets"]) for e in back)
    assert pairs == [("JPN", "CHN"), ("JPN", "KOR"), ("JPN", "PHL"), ("JPN", "USA"), ("KOR", "USA")]
    assert {e["type"] for e in back} == {"AGREE", "ACCUSE", "AID"}


def test_import_into_store_keeps_sources_apart(store_url: str) -> None:
    from latticework.store import Store

    with Store(store_url) as store:
        n_dcad = I.import_files(store, "dcad", [DCAD])
        n_pc = I.import_files(store, "polecat", [POLECAT])
        assert n_pc == 8 and n_dcad >= 1860
        again = I.import_files(store, "polecat", [POLECAT])  # idempotent on event ids
        assert again == 8
        pc = list(store.iter_events(source="polecat"))
        assert len(pc) == 8 and all(e["source"] == "polecat" for e in pc)
        jp = list(store.iter_events(source="dcad", actor="JPN"))
        assert jp and all("JPN" in e["actors"] for e in jp)
        assert not list(store.iter_events(source="text"))
