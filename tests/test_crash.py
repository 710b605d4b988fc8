"""Crash safety: `kill -9` a real `latticework ingest` mid-run, check consistency, rerun, lose nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

N_DOCS = 400
PLACES = ["Tokyo", "Manila", "Canberra", "Seoul", "Delhi", "Hanoi", "Jakarta", "Wellington"]
PAIRS = [("Japan", "the Philippines"), ("Australia", "Japan"), ("South Korea", "the United States"),
         ("India", "France"), ("Vietnam", "Japan"), ("Indonesia", "Australia")]


def _write_corpus(path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(N_DOCS):
            a, b = PAIRS[i % len(PAIRS)]
            place = PLACES[i % len(PLACES)]
            text = (f"{a} and {b} held defence talks in {place} on {i % 28 + 1} March 2024. "
                    f"Officials said report number {i} was filed the next day.")
            fh.write(json.dumps({"id": f"crash-{i:04d}", "text": text, "published": "2024-04-01"}) + "\n")


REPO = Path(__file__).resolve().parents[1]
# The real console script, importing this checkout (whatever the editable install's finder says).
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def _ingest_cmd(src: Path, url: str, batch: int) -> list[str]:
    exe = Path(sys.executable).with_name("latticework")
    return [str(exe), "ingest", str(src), "--db", url, "--quiet", "--batch", str(batch)]


def _count_docs(engine: sa.Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM documents")).scalar_one())
    except sa.exc.DBAPIError:
        return 0  # schema not created yet, or the writer holds the lock


def _consistency(engine: sa.Engine) -> dict[str, int]:
    """Everything that must hold at any instant, whatever moment the writer died."""
    with engine.connect() as conn:
        q = lambda sql: conn.execute(sa.text(sql)).scalar_one()  # noqa: E731
        docs = q("SELECT count(*) FROM documents")
        # each stored document version was coded exactly once, in the same transaction as its row
        assert q("SELECT count(*) FROM documents d WHERE (SELECT count(*) FROM codings c "
                 "WHERE c.doc_id = d.id AND c.doc_version = d.version) <> 1") == 0
        # its events are all there: as many as the coding recorded, none from another version
        assert q("SELECT count(*) FROM documents d JOIN codings c ON c.doc_id = d.id AND c.doc_version = d.version "
                 "WHERE c.n_events <> (SELECT count(*) FROM events e WHERE e.doc_id = d.id)") == 0
        assert q("SELECT count(*) FROM events e WHERE e.origin = 'text' AND NOT EXISTS "
                 "(SELECT 1 FROM documents d WHERE d.id = e.doc_id AND d.version = e.doc_version)") == 0
        assert q("SELECT count(*) FROM event_participants p WHERE NOT EXISTS "
                 "(SELECT 1 FROM events e WHERE e.event_id = p.event_id)") == 0
        assert q("SELECT count(*) FROM codings c WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = c.doc_id)") == 0
        return {"documents": docs, "events": q("SELECT count(*) FROM events"), "codings": q("SELECT count(*) FROM codings")}


def _kill_mid_run(src: Path, url: str, engine: sa.Engine) -> int | None:
    """Start the ingest, SIGKILL it once some but not all documents are in; None if it finished first."""
    for batch in (10, 5, 2, 1):
        proc = subprocess.Popen(_ingest_cmd(src, url, batch), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            n = _count_docs(engine)
            if 0 < n < N_DOCS:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return n
            time.sleep(0.002)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            raise AssertionError("ingest made no progress within 120 s")
        # It finished before we could kill it: start again from empty with smaller batches.
        assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
        with engine.begin() as conn:
            for table in ("event_participants", "events", "codings", "documents"):
                conn.execute(sa.text(f"DELETE FROM {table}"))
    return None


def test_kill_9_mid_ingest_then_rerun_loses_nothing(store_url: str, tmp_path: Path) -> None:
    src = tmp_path / "corpus.jsonl"
    _write_corpus(src)
    engine = sa.create_engine(store_url)
    try:
        at_kill = _kill_mid_run(src, store_url, engine)
        assert at_kill is not None, "every attempt finished before it could be killed"
        after_kill = _consistency(engine)
        assert 0 < after_kill["documents"] < N_DOCS

        rerun = subprocess.run(_ingest_cmd(src, store_url, 50), capture_output=True, text=True, timeout=600, env=ENV)
        assert rerun.returncode == 0, rerun.stderr
        final = _consistency(engine)
        assert final["documents"] == N_DOCS  # nothing lost
        assert final["codings"] == N_DOCS  # nothing coded twice: committed documents were skipped
        with engine.connect() as conn:
            ids = set(conn.execute(sa.text("SELECT id FROM documents")).scalars())
            statuses = dict(conn.execute(sa.text("SELECT status, count(*) FROM runs GROUP BY status")).all())
        assert ids == {f"crash-{i:04d}" for i in range(N_DOCS)}
        assert statuses.get("interrupted") == 1 and statuses.get("done", 0) >= 1
        # A third run finds nothing to do.
        third = subprocess.run(_ingest_cmd(src, store_url, 50), capture_output=True, text=True, timeout=600, env=ENV)
        assert third.returncode == 0 and _consistency(engine) == final
    finally:
        engine.dispose()
