"""Parallel coding (--jobs): N worker processes give exactly what one process gives, and the store
commands do not pay for importing the coder.

The coder changes often, so nothing here hard-codes events: every check compares --jobs 1 with
--jobs N in the same test."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from latticework.cli import app
from latticework.ingest import Document, InputProblem, read_documents
from latticework.parallel import CoderLoadError, CodingError, CodingPool, WorkerLost, code_parallel
from latticework.store import Store
from latticework.store import models as m

ROOT = Path(__file__).parents[1]
NEWS_DEV = ROOT / ".." / "shared" / "corpus" / "news-dev" / "docs.jsonl"
DEMO = ROOT / "latticework" / "demo" / "corpus.jsonl"
runner = CliRunner()


def _heavy_modules(code: str) -> list[str]:
    """Run `code` in a fresh interpreter; the coder/spaCy modules it left imported."""
    probe = (f"{code}\nimport sys\n"
             "print(sorted(n for n in sys.modules if n.split('.')[0] == 'spacy' "
             "or n == 'latticework.coder' or n.startswith('latticework.coder.')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_store_and_its_commands_do_not_import_the_coder(tmp_path: Path) -> None:
    db = tmp_path / "light.db"
    Store(str(db)).close()
    assert _heavy_modules("import latticework.store, latticework.parallel, latticework.protocols") == []
    cli = ("from latticework.cli import app\n"
           "def run(args):\n"
           "    try:\n"
           "        app(args)\n"
           "    except SystemExit as e:\n"
           "        assert e.code in (0, None), e.code\n"
           f"run(['events', '--help'])\nrun(['stats', '--db', {str(db)!r}])\nrun(['events', '--db', {str(db)!r}])")
    assert _heavy_modules(cli) == []


def _code_cli(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from latticework.cli import main; main()", "code", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)


def _with_bad_line(src: Path, dst: Path, at: int) -> Path:
    lines = src.read_text(encoding="utf-8").splitlines()
    dst.write_text("\n".join([*lines[:at], "{not json", *lines[at:]]) + "\n", encoding="utf-8")
    return dst


@pytest.mark.parametrize("corpus", [NEWS_DEV, DEMO], ids=["news-dev", "demo"])
def test_code_with_two_jobs_writes_exactly_what_one_job_writes(corpus: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    r1 = _code_cli(str(corpus), "-q", "--jobs", "1", "-o", str(one))
    r2 = _code_cli(str(corpus), "-q", "--jobs", "2", "-o", str(two))
    assert (r1.returncode, r1.stderr) == (0, "")
    assert (r2.returncode, r2.stderr) == (0, "")
    assert one.read_bytes() == two.read_bytes()  # same events, same order, same ids
    assert one.stat().st_size > 0


def test_code_reports_a_bad_line_in_the_middle_and_codes_the_rest(tmp_path: Path) -> None:
    src = _with_bad_line(NEWS_DEV, tmp_path / "bad.jsonl", at=13)
    r1 = _code_cli(str(src), "-q", "--jobs", "1")
    r2 = _code_cli(str(src), "-q", "--jobs", "2")
    assert r1.returncode == r2.returncode == 1
    problems = [ln for ln in r2.stderr.splitlines() if ln.strip()]
    assert len(problems) == 1 and problems[0].startswith(f"{src}:14")
    assert r1.stderr == r2.stderr
    assert r1.stdout == r2.stdout and r2.stdout
    clean = _code_cli(str(NEWS_DEV), "-q", "--jobs", "1")
    assert r2.stdout == clean.stdout  # the bad line cost nothing else


def test_code_parallel_keeps_input_order_across_many_small_chunks() -> None:
    items: list[Document | InputProblem] = list(read_documents([NEWS_DEV]))
    items.insert(7, InputProblem("x.jsonl:8", "not JSON"))
    here = list(code_parallel(items, jobs=1))
    there = list(code_parallel(items, jobs=2, chunk=3))
    assert [i for i, _ in there] == items
    assert [r for _, r in there] == [r for _, r in here]
    assert there[7][1] is None  # a problem passes through uncoded, in its place


class _FailsOn:
    """A coder that fails on one document id (to see a worker's failure come back for that document only)."""

    version = "test-fails-on"

    def __init__(self, bad: str) -> None:
        self.bad = bad

    def code(self, doc: Document) -> list[dict]:
        if doc.id == self.bad:
            raise KeyError(f"boom in {doc.id}")
        return [{"type": "CONSULT", "status": "occurred", "doc_id": doc.id, "event_id": f"{doc.id}#1",
                 "evidence": {"text": doc.text[:10], "start": 0, "end": 10}}]


def failing_factory(data_dirs: Sequence[str]) -> _FailsOn:
    return _FailsOn("d3")


def test_a_coder_failure_in_a_worker_is_that_documents_result_only() -> None:
    docs = [Document(id=f"d{i}", text=f"Document number {i} has some text.") for i in range(10)]
    with CodingPool(2, factory=failing_factory, chunk=2) as pool:
        assert pool.version == "test-fails-on"
        out = list(pool.code(docs))
    assert [d.id for d, _ in out] == [d.id for d in docs]
    err = out[3][1]
    assert isinstance(err, CodingError) and str(err) == "KeyError: 'boom in d3'"
    assert all(isinstance(r, list) and r[0]["doc_id"] == d.id for d, r in out if d.id != "d3")


class _DiesOn(_FailsOn):
    def code(self, doc: Document) -> list[dict]:
        if doc.id == self.bad:
            import os

            os._exit(3)  # a worker killed mid-chunk (as by the OOM killer)
        return super().code(doc)


def dying_factory(data_dirs: Sequence[str]) -> _DiesOn:
    return _DiesOn("d5")


def broken_factory(data_dirs: Sequence[str]) -> _FailsOn:
    raise OSError(f"cannot read {list(data_dirs)}")


def test_a_dead_worker_or_an_unloadable_coder_is_one_clear_error() -> None:
    docs = [Document(id=f"d{i}", text=f"Document number {i} has some text.") for i in range(10)]
    with CodingPool(2, factory=dying_factory, chunk=2) as pool, pytest.raises(WorkerLost, match="died"):
        list(pool.code(docs))
    for jobs in (1, 2):
        with CodingPool(jobs, ["extra"], factory=broken_factory) as pool, \
                pytest.raises(CoderLoadError, match=r"cannot load the coder: OSError: cannot read \['extra'\]"):
            list(pool.code(docs))


def test_a_coder_object_cannot_be_shared_with_workers() -> None:
    with pytest.raises(ValueError):
        CodingPool(2, coder=_FailsOn("x"))


def _dump(url: str) -> dict:
    """What a store holds, independent of run ids and timestamps."""
    with Store(url, create=False) as store:
        events = sorted(store.iter_events(), key=lambda e: e["event_id"])
        with store.engine.connect() as conn:
            docs = sorted(tuple(r) for r in conn.execute(sa.select(
                m.documents.c.id, m.documents.c.content_hash, m.documents.c.version, m.documents.c.coder_version)))
            codings = sorted(tuple(r) for r in conn.execute(sa.select(
                m.codings.c.doc_id, m.codings.c.doc_version, m.codings.c.n_events)))
    return {"events": events, "documents": docs, "codings": codings}


def _wipe(url: str) -> None:
    with Store(url, create=False) as store, store.engine.begin() as conn:
        for table in (m.participants, m.events, m.codings, m.documents, m.actors, m.runs):
            conn.execute(table.delete())


def test_ingest_with_two_jobs_stores_what_one_job_stores(store_url: str, tmp_path: Path) -> None:
    src = _with_bad_line(NEWS_DEV, tmp_path / "in.jsonl", at=15)
    stored = {}
    for jobs in ("1", "2"):
        if jobs != "1":
            _wipe(store_url)
        res = runner.invoke(app, ["ingest", str(src), "--db", store_url, "--jobs", jobs, "--batch", "7", "-q"])
        assert res.exit_code == 1, res.output  # the one bad line
        problems = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(problems) == 1 and problems[0].startswith(f"{src}:16"), res.stderr
        stored[jobs] = _dump(store_url)
    assert stored["1"] == stored["2"]
    assert len(stored["2"]["documents"]) == 30 and stored["2"]["events"]
    again = runner.invoke(app, ["ingest", str(src), "--db", store_url, "--jobs", "2"])
    assert again.exit_code == 1
    assert "0 new, 0 updated, 30 unchanged documents" in again.stderr
    assert _dump(store_url) == stored["2"]  # a rerun codes nothing and changes nothing


def test_strict_stop_with_jobs_keeps_the_documents_before_the_problem(tmp_path: Path) -> None:
    docs = [d for d in read_documents([NEWS_DEV]) if isinstance(d, Document)]
    items: list[Document | InputProblem] = [*docs[:9], InputProblem("in.jsonl:10", "not JSON"), *docs[9:]]
    reports = {}
    for jobs in (1, 2):
        url = f"sqlite:///{tmp_path / f'strict{jobs}.db'}"
        with Store(url) as store:
            rep = store.ingest(items, jobs=jobs, progress=False, batch=4, strict=True)
        reports[jobs] = (rep.new, rep.stopped, rep.problems, _dump(url))
    assert reports[1] == reports[2]
    assert reports[2][:3] == (9, True, ["in.jsonl:10: not JSON"])


def test_recode_with_two_jobs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'recode.db'}"
    docs = [d for d in read_documents([DEMO]) if isinstance(d, Document)]
    with Store(url) as store:
        store.ingest(docs, jobs=1, progress=False)
    before = _dump(url)
    with Store(url) as store, store.engine.begin() as conn:
        conn.execute(m.documents.update().values(coder_version="old"))
    res = runner.invoke(app, ["recode", "--db", url, "--jobs", "2", "-q"])
    assert res.exit_code == 0, res.output
    assert f"recoded {len(docs)} documents" in res.stdout and ": 0 changed" in res.stdout
    after = _dump(url)
    assert after["events"] == before["events"] and after["documents"] == before["documents"]


def _children(pid: int) -> dict[int, str]:
    """{pid: command line} of the live (not zombie) processes whose parent is `pid`."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out[int(entry.name)] = cmd
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_leave_when_the_parent_is_killed() -> None:
    import os
    import signal
    import time

    cmd = [sys.executable, "-c", "from latticework.cli import main; main()", "code", "-", "-q", "--jobs", "2"]
    parent = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and (len(workers) < 2 or min(map(_rss_mb, workers)) < 60):
            workers = [p for p, c in _children(parent.pid).items() if "spawn_main" in c]
            time.sleep(0.2)  # until both have loaded their coder (and are waiting for work)
        assert len(workers) == 2, "the workers did not start"
    finally:
        os.kill(parent.pid, signal.SIGKILL)  # no chance to shut the pool down
        parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.2)
    left = [p for p in workers if _alive(p)]
    for p in left:  # do not leave them behind even when the test fails
        os.kill(p, signal.SIGKILL)
    assert not left, "workers outlived their parent"
