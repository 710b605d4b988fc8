"""Concurrency: commands that run at the same time on one store (issue 11, items 1 and 6).

- a `recode` racing an `ingest` of new versions of the same documents: every document ends with the
  events of its current text, never those of a text it no longer has (versioned writes);
- a store left inconsistent by an older latticework is repaired by the next `ingest` or `recode`;
- three `ingest` processes on a store that does not exist yet all succeed (serialised schema creation);
- an `ingest` started while a long read is open on SQLite succeeds (WAL mode).

All on the real coder and real databases: nothing here is a stand-in for the store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa

from latticework.coder import Coder
from latticework.ingest import Document
from latticework.store import Store, content_hash
from latticework.store import models as m

REPO = Path(__file__).resolve().parents[1]
# The real console script, importing this checkout (as tests/test_crash.py does).
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}

PAIRS = [("Japan", "the Philippines"), ("Australia", "Japan"), ("India", "France"), ("Vietnam", "Japan")]
PLACES = ["Tokyo", "Manila", "Canberra", "Delhi", "Hanoi"]


def _old(n: int) -> list[Document]:
    out = []
    for i in range(n):
        a, b = PAIRS[i % len(PAIRS)]
        out.append(Document(id=f"doc-{i:03d}", published="2024-04-01",
                            text=f"{a} and {b} held defence talks in {PLACES[i % len(PLACES)]} on {i % 28 + 1} March 2024."))
    return out


def _new(n: int) -> list[Document]:
    """The same ids, other text: other events (and on some documents, more or fewer of them)."""
    out = []
    for i in range(n):
        a, b = PAIRS[(i + 1) % len(PAIRS)]
        place = PLACES[(i + 2) % len(PLACES)]
        text = f"{a} and {b} signed a defence agreement in {place} on {i % 28 + 1} April 2024."
        if i % 3 == 0:
            text += f" {a} and {b} held joint naval exercises near {place} on {i % 28 + 2} April 2024."
        if i % 7 == 0:
            text = f"Heavy rain fell on {place} on {i % 28 + 1} April 2024."  # no event at all
        out.append(Document(id=f"doc-{i:03d}", published="2024-05-01", text=text))
    return out


def _events_by_doc(store: Store) -> dict[str, list[dict]]:
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for ev in store.iter_events():
        by_doc[ev["doc_id"]].append(ev)
    return {k: sorted(v, key=lambda e: e["event_id"]) for k, v in by_doc.items()}


def _reference(docs: list[Document], tmp_path: Path, coder: Coder) -> dict[str, list[dict]]:
    """The events of these texts, coded directly into an empty store with nothing else running."""
    with Store(str(tmp_path / "reference.db")) as ref:
        ref.ingest(docs, coder, progress=False)
        return _events_by_doc(ref)


def _check_current(store: Store, docs: list[Document], expected: dict[str, list[dict]]) -> None:
    got = _events_by_doc(store)
    wrong = [d.id for d in docs if got.get(d.id, []) != expected.get(d.id, [])]
    assert not wrong, f"{len(wrong)} documents do not carry the events of their current text: {wrong[:10]}"
    d = m.documents
    with store.engine.connect() as conn:
        stored = {r[0]: r[1] for r in conn.execute(sa.select(d.c.id, d.c.content_hash))}
        assert stored == {doc.id: content_hash(doc) for doc in docs}
        assert Store._inconsistent(conn) == set()


class _HoldFirst:
    """The real coder, but the first document it codes waits for `release`: a recode that has read
    the old text is held until the new version is committed, then writes what it coded."""

    def __init__(self, coder: Coder, started: threading.Event, release: threading.Event) -> None:
        self.coder, self.started, self.release = coder, started, release
        self.version = coder.version

    def code(self, doc: Document) -> list[dict]:
        if not self.started.is_set():
            self.started.set()
            assert self.release.wait(120)
        return self.coder.code(doc)


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


@pytest.mark.parametrize("hold", [True, False], ids=["recode-held", "free-race"])
def test_recode_racing_ingest_of_new_versions(store_url: str, tmp_path: Path, coder: Coder, hold: bool) -> None:
    n = 40
    old, new = _old(n), _new(n)
    expected = _reference(new, tmp_path, coder)
    assert any(expected.get(d.id) for d in new) and any(not expected.get(d.id) for d in new)
    with Store(store_url) as store:
        store.ingest(old, coder, progress=False, batch=10)
        with store.engine.begin() as conn:  # as if coded by an older coder: recode takes them all
            conn.execute(m.documents.update().values(coder_version="older-coder"))

    started, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    recodes = []

    def recode() -> None:
        try:
            with Store(store_url) as s:
                c = _HoldFirst(coder, started, release) if hold else coder
                if not hold:
                    started.set()
                recodes.append(s.recode(c, progress=False, batch=5))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            started.set()

    def ingest() -> None:
        try:
            assert started.wait(120)
            with Store(store_url) as s:
                rep = s.ingest(new, Coder(), progress=False, batch=5)
                assert rep.updated == n and not rep.problems
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            release.set()

    threads = [threading.Thread(target=recode), threading.Thread(target=ingest)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert not errors, errors
    if hold:  # the held batch was coded from the old text: it must have been refused, not written
        assert recodes[0].superseded >= 1
    with Store(store_url) as store:
        _check_current(store, new, expected)
        # and nothing left to do: a second recode finds every document current
        assert store.recode(coder, progress=False).documents == 0


def _damage(store: Store, old_events: dict[str, list[dict]], ids: list[str]) -> None:
    """Write by hand what the unversioned writes used to leave (issue 11, item 1)."""
    e, p = m.events, m.participants
    a, b, c = ids
    with store.engine.begin() as conn:
        # a: the new version's events replaced by the old text's (a recode of old text landing late)
        conn.execute(p.delete().where(p.c.event_id.in_(sa.select(e.c.event_id).where(e.c.doc_id == a))))
        conn.execute(e.delete().where(e.c.doc_id == a))
        # b: the old text's events next to the new ones (PostgreSQL's interleaving)
        for doc_id in (a, b):
            for ev in old_events[doc_id]:
                eid = ev["event_id"] + ("" if doc_id == a else "-stale")
                conn.execute(e.insert().values(event_id=eid, doc_id=doc_id, doc_version=1, origin="text",
                                               type=ev["type"], mode=ev["mode"], status=ev["status"],
                                               hedged=ev["hedged"], date=ev["date"], coder_version="older-coder"))
                for pos, actor in enumerate(ev["actors"]):
                    conn.execute(p.insert().values(event_id=eid, role="actor", position=pos, actor=actor))
        # c: the new version's events gone (a recode of an eventless old text removed them)
        conn.execute(p.delete().where(p.c.event_id.in_(sa.select(e.c.event_id).where(e.c.doc_id == c))))
        conn.execute(e.delete().where(e.c.doc_id == c))


@pytest.mark.parametrize("rerun", ["ingest", "recode"])
def test_rerun_repairs_a_store_left_inconsistent(store_url: str, tmp_path: Path, coder: Coder, rerun: str) -> None:
    n = 12
    old, new = _old(n), _new(n)
    expected = _reference(new, tmp_path, coder)
    with Store(store_url) as store:
        store.ingest(old, coder, progress=False)
        old_events = _events_by_doc(store)
        store.ingest(new, coder, progress=False)
        # three documents with events in both versions
        ids = [d.id for d in new if old_events.get(d.id) and expected.get(d.id)][:3]
        assert len(ids) == 3
        _damage(store, old_events, ids)
        with store.engine.connect() as conn:
            assert Store._inconsistent(conn) == set(ids)
        if rerun == "ingest":
            rep = store.ingest(new, coder, progress=False)
            assert (rep.repaired, rep.unchanged, rep.updated, rep.new) == (3, n - 3, 0, 0)
            assert "3 repaired" in rep.summary()
        else:
            assert store.recode(coder, progress=False).documents == 3
        _check_current(store, new, expected)
        again = store.ingest(new, coder, progress=False)
        assert (again.repaired, again.unchanged) == (0, n)
        assert store.recode(coder, progress=False).documents == 0


def _write_jsonl(path: Path, prefix: str, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for d in _old(n):
            fh.write(json.dumps({"id": f"{prefix}-{d.id}", "text": d.text, "published": d.published}) + "\n")


def _ingest_cmd(src: Path, url: str) -> list[str]:
    exe = Path(sys.executable).with_name("latticework")
    return [str(exe), "ingest", str(src), "--db", url, "--quiet", "--jobs", "1"]


# `latticework ingest …` exactly as the console script runs it, but started on a signal: the three
# processes import everything first, then open the store within a millisecond of each other.
_ON_SIGNAL = """\
import os, sys, time
from latticework.cli import main
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.001)
sys.argv = ["latticework", *sys.argv[2:]]
main()
"""


def test_three_first_runs_at_once_all_succeed(store_url: str, tmp_path: Path) -> None:
    """Three ingests started together on a store that does not exist yet (SQLite: no file;
    PostgreSQL: an empty schema): one creates the schema, the others wait for it, all store."""
    go = tmp_path / "go"
    procs = []
    for k in range(3):
        src = tmp_path / f"in{k}.jsonl"
        _write_jsonl(src, f"p{k}", 5)
        cmd = [sys.executable, "-c", _ON_SIGNAL, str(go), *_ingest_cmd(src, store_url)[1:]]
        procs.append(subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    time.sleep(3)  # every process has imported the CLI and waits
    go.touch()
    outcomes = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outcomes]
    with Store(store_url) as store:
        assert store.stats()["documents"] == 15


def test_ingest_while_a_long_read_is_open_sqlite(tmp_path: Path, coder: Coder) -> None:
    """A reader in the middle of `events` must not make a writer wait, let alone fail (WAL mode).
    The writer's lock timeout is cut to 2 s, so under a rollback journal this would fail."""
    db = tmp_path / "busy.db"
    with Store(str(db)) as store:
        store.ingest(_old(30), coder, progress=False)
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        before = store.count_events()
        reading = store.iter_events()
        first = next(reading)  # the read transaction stays open while the generator is suspended
        src = tmp_path / "more.jsonl"
        _write_jsonl(src, "more", 5)
        proc = subprocess.run(_ingest_cmd(src, str(db)), env={**ENV, "LATTICEWORK_LOCK_TIMEOUT": "2"},
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        rest = list(reading)  # the reader still sees its own snapshot, undisturbed
        assert first and len(rest) + 1 == before
        assert store.stats()["documents"] == 35
