"""Corrections survive recoding: accept, reject, edit and add, applied again after every coding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from latticework.cli import app
from latticework.ingest import Document
from latticework.store import Store, StoreError
from latticework.store import models as m

runner = CliRunner()

DOCS = [
    Document(id="w1", source="Wire", published="2024-07-08",
             text="Japan and the Philippines signed a reciprocal access agreement in Manila on 8 July 2024."),
    Document(id="d1", source="Daily", published="2024-07-09",
             text="The Philippines and Japan on Monday signed a reciprocal access agreement. "
                  "Separately, Australia and Indonesia held defence talks in Jakarta on 9 July 2024."),
]


def _reports(store: Store, doc_id: str) -> list[dict]:
    return [r for r in store.iter_events(reports=True) if r["doc_id"] == doc_id]


def _recode(store: Store) -> None:
    with store.engine.begin() as conn:  # as if a new coder version had been installed
        conn.execute(m.documents.update().values(coder_version="older"))
    store.recode(progress=False)


def test_each_correction_survives_recode(store_url: str) -> None:
    with Store(store_url) as store:
        store.ingest(DOCS, progress=False)
        talks = next(r for r in _reports(store, "d1") if r["type"] == "CONSULT")
        signing = next(r for r in _reports(store, "d1") if r["type"] == "AGREE")
        wire = _reports(store, "w1")[0]
        assert {r["provenance"] for r in store.iter_events(reports=True)} == {"coder"}

        rejected = store.correct("reject", report_id=signing["event_id"][:10], author="ana", note="duplicate")
        edited = store.correct("edit", report_id=talks["event_id"], event={"mode": "meeting", "date": "2024-07-10"})
        accepted = store.correct("accept", report_id=wire["event_id"])
        sentence = "Australia and Indonesia held defence talks in Jakarta"
        added = store.correct("add", doc_id="d1", event={"type": "COOPERATE", "mode": "exercise",
                                                         "actors": ["AUS", "IDN"], "date": "2024-07",
                                                         "evidence": {"text": sentence}})
        assert [c["state"] for c in (rejected, edited, accepted, added)] == ["applied"] * 4

        def check() -> None:
            d1 = {r["type"]: r for r in _reports(store, "d1")}
            assert "AGREE" not in d1  # rejected
            assert d1["CONSULT"]["date"] == "2024-07-10" and d1["CONSULT"]["provenance"] == "corrected"
            assert d1["COOPERATE"]["provenance"] == "added" and d1["COOPERATE"]["actors"] == ["AUS", "IDN"]
            assert d1["COOPERATE"]["evidence"]["text"] == sentence
            assert _reports(store, "w1")[0]["provenance"] == "accepted"
            # the signing is now reported once, by the wire only
            agree = [e for e in store.iter_events() if e["type"] == "AGREE"]
            assert len(agree) == 1 and agree[0]["n_reports"] == 1

        check()
        _recode(store)
        check()
        assert {c["state"] for c in store.corrections()} == {"applied"}


def test_a_correction_follows_its_sentence_into_a_new_version_or_is_orphaned(store_url: str) -> None:
    with Store(store_url) as store:
        store.ingest(DOCS, progress=False)
        talks = next(r for r in _reports(store, "d1") if r["type"] == "CONSULT")
        store.correct("edit", report_id=talks["event_id"], event={"date": "2024-07-10"})
        moved = Document(id="d1", source="Daily", published="2024-07-09",
                         text="Australia and Indonesia held defence talks in Jakarta on 9 July 2024. Earlier, "
                              "the Philippines and Japan on Monday signed a reciprocal access agreement.")
        store.ingest([moved], progress=False)
        now = next(r for r in _reports(store, "d1") if r["type"] == "CONSULT")
        assert now["date"] == "2024-07-10" and now["provenance"] == "corrected"
        gone = Document(id="d1", source="Daily", published="2024-07-09",
                        text="The Philippines and Japan on Monday signed a reciprocal access agreement.")
        store.ingest([gone], progress=False)
        (corr,) = store.corrections()
        assert corr["state"] == "orphaned"
        assert [c["id"] for c in store.corrections(state="orphaned")] == [corr["id"]]


def test_bad_corrections_are_refused_with_one_line(store_url: str) -> None:
    with Store(store_url) as store:
        store.ingest(DOCS, progress=False)
        rid = _reports(store, "w1")[0]["event_id"]
        for kwargs, words in (
            ({"action": "undo", "report_id": rid}, "unknown correction"),
            ({"action": "edit", "report_id": rid, "event": {"type": "AGRE"}}, "unknown event type"),
            ({"action": "edit", "report_id": rid, "event": {"evidence_text": "x"}}, "cannot be corrected"),
            ({"action": "edit", "report_id": rid, "event": {"date": "soon"}}, "not an EDTF date"),
            ({"action": "reject", "report_id": "zzz"}, "no event or report"),
            ({"action": "add", "doc_id": "w1", "event": {"type": "AGREE", "actors": ["JPN"],
                                                         "evidence": {"start": 5, "end": 999}}}, "evidence span"),
            ({"action": "add", "doc_id": "nope", "event": {"type": "AGREE", "actors": ["JPN"],
                                                           "evidence": {"start": 0, "end": 5}}}, "no document"),
        ):
            with pytest.raises(StoreError, match=words) as exc:
                store.correct(**kwargs)  # type: ignore[arg-type]
            assert "\n" not in str(exc.value)
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(m.corrections)).scalar_one() == 0


def test_cli_corrects_lists_and_exports_gold_that_scores(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    with Store(db) as store:
        store.ingest(DOCS, progress=False)
        signing = next(r for r in _reports(store, "d1") if r["type"] == "AGREE")
        talks = next(r for r in _reports(store, "d1") if r["type"] == "CONSULT")
    res = runner.invoke(app, ["correct", "accept", signing["event_id"], "--db", db, "--author", "ana"])
    assert res.exit_code == 0 and "applied" in res.stdout
    res = runner.invoke(app, ["correct", "edit", talks["event_id"], "--set", "date=2024-07-10", "--db", db])
    assert res.exit_code == 0
    res = runner.invoke(app, ["correct", "edit", talks["event_id"], "--set", "type=NOPE", "--db", db])
    assert res.exit_code == 2 and res.stderr.startswith("error:") and len(res.stderr.strip().splitlines()) == 1
    listed = runner.invoke(app, ["corrections", "list", "--db", db, "-f", "jsonl"])
    assert [json.loads(x)["action"] for x in listed.stdout.splitlines()] == ["accept", "edit"]
    gold = tmp_path / "gold.jsonl"
    assert runner.invoke(app, ["corrections", "export", "--db", db, "-o", str(gold)]).exit_code == 0
    (line,) = [json.loads(x) for x in gold.read_text(encoding="utf-8").splitlines()]
    assert line["doc_id"] == "d1" and sorted(e["type"] for e in line["events"]) == ["AGREE", "CONSULT"]
    # the gold scores the coder's own output for that document: the edited date is what it now misses
    pred = tmp_path / "pred.jsonl"
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": "d1", "text": DOCS[1].text, "published": DOCS[1].published}) + "\n",
                    encoding="utf-8")
    res = runner.invoke(app, ["code", str(docs), "-o", str(pred)])
    assert res.exit_code == 0, res.output
    scored = runner.invoke(app, ["eval", str(gold), str(pred), "--json"])
    assert scored.exit_code == 0, scored.output
    result = json.loads(scored.stdout)
    assert 0 < result["lenient"]["f1"] <= 1.0
