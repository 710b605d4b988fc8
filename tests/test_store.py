"""The Store on SQLite and PostgreSQL: idempotent ingest, versions, dataset events, filters, summaries."""

from __future__ import annotations

import sqlalchemy as sa

from latticework.coder import Coder
from latticework.ingest import Document, InputProblem
from latticework.store import Store, StoreError
from latticework.store import models as m

TALKS = "Japan and Australia held defence talks in Tokyo on 3 March 2024."


def _docs() -> list[Document]:
    return [
        Document(id="d1", text=TALKS, published="2024-03-05", source="wire", origin="t:1"),
        Document(id="d2", text="Australia and India held a joint naval exercise in the Bay of Bengal in June 2024.",
                 published="2024-07-01", source="paper", origin="t:2"),
        Document(id="d3", text="The weather in Canberra was mild on Tuesday.", published="2024-07-02", origin="t:3"),
    ]


def _count(store: Store, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())


def test_same_documents_twice_are_stored_once(store_url: str) -> None:
    with Store(store_url) as store:
        first = store.ingest(_docs(), Coder(), progress=False)
        assert (first.new, first.unchanged, first.updated) == (3, 0, 0)
        events_after_first = _count(store, m.events)
        second = store.ingest(_docs(), Coder(), progress=False)
        assert (second.new, second.unchanged, second.updated, second.events) == (0, 3, 0, 0)
        assert _count(store, m.documents) == 3
        assert _count(store, m.codings) == 3
        assert _count(store, m.events) == events_after_first
        assert _count(store, m.runs) == 2
        with store.engine.connect() as conn:
            statuses = set(conn.scalars(sa.select(m.runs.c.status)))
        assert statuses == {"done"}


def test_changed_text_is_a_new_version_and_replaces_events(store_url: str) -> None:
    coder = Coder()
    with Store(store_url) as store:
        store.ingest(_docs(), coder, progress=False)
        changed = Document(id="d1", text=TALKS + " Both sides agreed to meet again.", published="2024-03-05",
                           source="wire")
        report = store.ingest([changed], coder, progress=False)
        assert (report.new, report.updated, report.unchanged) == (0, 1, 0)
        with store.engine.connect() as conn:
            version, text = conn.execute(sa.select(m.documents.c.version, m.documents.c.text)
                                         .where(m.documents.c.id == "d1")).one()
            history = conn.execute(sa.select(m.codings.c.doc_version).where(m.codings.c.doc_id == "d1")
                                   .order_by(m.codings.c.doc_version)).scalars().all()
        assert version == 2 and text.endswith("meet again.")
        assert history == [1, 2]
        # The old version's events are gone; exactly the new coding's events remain.
        assert _count(store, m.events, m.events.c.doc_id == "d1", m.events.c.doc_version == 1) == 0
        assert _count(store, m.events, m.events.c.doc_id == "d1") == len(coder.code(changed))
        # Changing only the metadata that steers coding (publication date) is also a new version.
        moved = Document(id="d1", text=changed.text, published="2025-01-01", source="wire")
        assert store.ingest([moved], coder, progress=False).updated == 1


def test_input_problems_are_reported_and_the_run_goes_on(store_url: str) -> None:
    items: list[Document | InputProblem] = [_docs()[0], InputProblem("in.jsonl:2", "malformed JSON"), _docs()[1]]
    with Store(store_url) as store:
        seen: list[str] = []
        report = store.ingest(items, Coder(), progress=False, on_problem=seen.append)
        assert report.new == 2
        assert report.problems == seen == ["in.jsonl:2: malformed JSON"]
    with Store(store_url) as store:
        strict = store.ingest([InputProblem("x.txt:1", "empty"), _docs()[2]], Coder(), progress=False, strict=True)
        assert strict.stopped and strict.new == 0


def test_duplicate_id_within_one_input_keeps_the_last_text_as_version_2(store_url: str) -> None:
    a = Document(id="same", text="First text about Japan.", published="2024-01-01")
    b = Document(id="same", text="Second text about Japan.", published="2024-01-01")
    with Store(store_url) as store:
        report = store.ingest([a, b], Coder(), progress=False)
        assert (report.new, report.updated) == (1, 1)
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(m.documents.c.text, m.documents.c.version)).one() == (b.text, 2)


class ExplodingCoder(Coder):
    """A coder that fails on one document: the store must report it and keep the rest."""

    def code(self, doc: Document) -> list[dict]:
        if "weather" in doc.text:
            raise RuntimeError("lexicon lookup failed")
        return super().code(doc)


def test_coder_failure_is_one_problem_line(store_url: str) -> None:
    with Store(store_url) as store:
        report = store.ingest(_docs(), ExplodingCoder(), progress=False)
        assert report.new == 2
        assert len(report.problems) == 1 and "t:3" in report.problems[0] and "d3" in report.problems[0]
        assert _count(store, m.documents) == 2


def _dataset_events() -> list[dict]:
    def ev(i: str, typ: str, mode: str | None, actors: list[str], targets: list[str], date: str | None,
           **kw: object) -> dict:
        base = {"event_id": f"gd-{i}", "doc_id": f"https://example.org/{i}", "type": typ, "mode": mode,
                "actors": actors, "targets": targets, "framework": None, "date": date, "status": "occurred",
                "hedged": False, "location": None, "evidence": {"text": f"row {i}", "start": 0, "end": 5},
                "confidence": 0.5, "cameo": None}
        base.update(kw)
        return base

    return [
        ev("1", "CONSULT", "meeting", ["JPN", "USA"], [], "2024-03-03", location={"name": "Tokyo", "country": "JPN"},
           evidence={"text": "Defence ministers met (100% agreed)", "start": 0, "end": 35}),
        ev("2", "COOPERATE", "exercise", ["AUS", "IND"], [], "2024-06", framework="QUAD"),
        ev("3", "ACCUSE", "criticize", ["CHN"], ["JPN", "PHL"], "2024-07-20", hedged=True),
        ev("4", "AGREE", "sign", ["JPN", "PHL"], [], "2024-22", framework="RAA", status="planned"),
        ev("5", "MOBILIZE", "show_of_force", ["PRK"], [], None, published="2023-11-02", goldstein=-7.2),
    ]


def test_dataset_events_are_idempotent_and_filterable(store_url: str) -> None:
    with Store(store_url) as store:
        assert store.add_events(_dataset_events(), source="gdelt") == 5
        changed = _dataset_events()
        changed[0]["mode"] = "visit"
        changed[0]["actors"] = ["USA", "JPN", "KOR"]
        assert store.add_events(changed, source="gdelt") == 5
        assert _count(store, m.events) == 5
        assert _count(store, m.participants) == 11

        def ids(**kw: object) -> list[str]:
            return [e["event_id"] for e in store.iter_events(reports=True, **kw)]  # type: ignore[arg-type]

        # Oldest first: a summer (from June) sorts before a day in July.
        assert ids(actor="JPN") == ["gd-1", "gd-4", "gd-3"]
        assert sorted(ids(actor="jpn", with_="PHL")) == ["gd-3", "gd-4"]
        assert ids(type="consult") == ["gd-1"]
        assert ids(mode="visit") == ["gd-1"] and ids(mode="meeting") == []
        assert ids(framework="quad") == ["gd-2"]
        # Mixed precision: a month overlaps a day inside it; a summer overlaps July.
        assert sorted(ids(since="2024-06-15")) == ["gd-2", "gd-3", "gd-4"]
        assert sorted(ids(until="2024-06")) == ["gd-1", "gd-2", "gd-4", "gd-5"]
        assert ids(since="2024-07-01", until="2024-07-31", type="AGREE") == ["gd-4"]
        # An undated event falls back to its source's publication date.
        assert ids(until="2023") == ["gd-5"]
        assert ids(status="planned") == ["gd-4"]
        assert len(ids(source="gdelt")) == 5 and ids(source="icews") == []
        assert ids(text="MINISTERS") == ["gd-1"] and ids(text="100%") == ["gd-1"] and ids(text="0%x") == []
        assert len(ids(limit=2)) == 2
        assert store.count_events(actor="JPN", reports=True) == 3

        first = next(store.iter_events(type="CONSULT", reports=True))
        assert first["actors"] == ["USA", "JPN", "KOR"] and first["targets"] == []
        assert first["location"] == {"name": "Tokyo", "country": "JPN"} and first["source"] == "gdelt"
        third = store.get_event("gd-3")
        assert third is not None and third["targets"] == ["JPN", "PHL"] and third["hedged"] is True
        assert third["document"] is None
        assert store.get_event("gd-5")["goldstein"] == -7.2  # type: ignore[index]
        assert store.get_event("nope") is None

        try:
            list(store.iter_events(since="last spring"))
        except StoreError as exc:
            assert "--since" in str(exc)
        else:
            raise AssertionError("a bad date must be refused")


def test_dataset_cannot_overwrite_another_sources_event(store_url: str) -> None:
    with Store(store_url) as store:
        store.add_events(_dataset_events()[:1], source="gdelt")
        try:
            store.add_events(_dataset_events()[:1], source="icews")
        except StoreError as exc:
            assert "gd-1" in str(exc)
        else:
            raise AssertionError("an id clash across sources must be refused")
        assert store.get_event("gd-1")["source"] == "gdelt"  # type: ignore[index]


def test_actors_and_stats(store_url: str) -> None:
    with Store(store_url) as store:
        store.add_events(_dataset_events(), source="icews")
        store.ingest(_docs()[2:], Coder(), progress=False)  # a document without events
        rows = {r["code"]: r for r in store.actors()}
        assert rows["JPN"]["events"] == 3 and rows["JPN"]["kind"] == "state" and rows["JPN"]["name"] == "Japan"
        assert rows["JPN"]["with"].startswith("PHL (2)")
        assert rows["PRK"]["partners"] == 0
        stats = store.stats()
        assert stats["documents"] == 1
        assert stats["events"] == 5
        assert ["icews", 5] in stats["by_source"]
        assert stats["by_month"] == [["2023-11", 1], ["2024-03", 1], ["2024-06", 2], ["2024-07", 1]]
        assert stats["by_actor"][0] == ["JPN", 3]
        assert stats["last_run"]["command"] == "ingest"


def test_recode_replaces_events_of_older_coder_versions(store_url: str) -> None:
    coder = Coder()
    with Store(store_url) as store:
        store.ingest(_docs(), coder, progress=False)
        before = _count(store, m.events)
        # Nothing to do while every document carries the current coder version.
        assert store.recode(coder, progress=False).documents == 0
        # Simulate documents coded by an older dictionary: another version, and a missing event
        # where the old coder found one event fewer.
        with store.engine.begin() as conn:
            conn.execute(m.documents.update().values(coder_version="0.0-old"))
            victim = conn.execute(sa.select(m.events.c.event_id, m.events.c.type).limit(1)).first()
            if victim is not None:
                conn.execute(m.participants.delete().where(m.participants.c.event_id == victim[0]))
                conn.execute(m.events.delete().where(m.events.c.event_id == victim[0]))
        report = store.recode(coder, progress=False)
        assert report.documents == 3
        assert report.events_after == before
        if victim is not None:
            assert report.changed == 1 and report.added == {victim[1]: 1} and not report.removed
        assert _count(store, m.events) == before
        assert _count(store, m.documents, m.documents.c.coder_version == coder.version) == 3
        assert _count(store, m.codings) == 6
        assert coder.version in report.summary()


def test_text_events_round_trip_with_their_document(store_url: str) -> None:
    """With the real coder: events found in text come back with evidence pointing into the stored text."""
    coder = Coder()
    doc = _docs()[0]
    expected = coder.code(doc)
    assert expected, "the coder should find the meeting in the talks sentence"
    with Store(store_url) as store:
        report = store.ingest([doc], coder, progress=False)
        assert report.events == len(expected)
        got = list(store.iter_events(actor="JPN", with_="AUS", type="CONSULT"))
        assert len(got) == 1 and got[0]["source"] == "text" and got[0]["doc_id"] == "d1"
        assert {k: got[0][k] for k in ("type", "mode", "date", "status", "location")} == \
            {k: expected[0][k] for k in ("type", "mode", "date", "status", "location")}
        assert sorted(got[0]["actors"]) == ["AUS", "JPN"]
        full = store.get_event(got[0]["event_id"])
        assert full is not None and full["document"]["version"] == 1 and full["document"]["source"] == "wire"
        ev = full["evidence"]
        assert full["document"]["text"][ev["start"]:ev["end"]] == ev["text"]
        assert full["coder_version"] == coder.version
        # Same text again under the same id: nothing duplicated.
        store.ingest([doc], coder, progress=False)
        assert _count(store, m.events, m.events.c.doc_id == "d1") == len(expected)
