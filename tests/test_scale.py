"""Coding on a Dask cluster (latticework.scale): a LocalCluster of two worker processes on loopback.

The partitions hold what the coder gives in this process, loading them leaves the store exactly as a
single-process `Store.ingest` of the same input (documents, reports, stories, events), a rerun does
nothing, and a worker killed mid-run costs no document and codes none twice.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from latticework.cli import app
from latticework.ingest import Document, InputProblem
from latticework.parallel import CodingError
from latticework.scale import (
    ScaleError,
    ScaleProgress,
    code_distributed,
    load_partitions,
    local_cluster,
    partition_items,
    partition_problems,
    read_inputs,
    read_plan,
    run_items,
)
from latticework.store import Store
from latticework.store import models as m
from latticework.tables import event_schema

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "latticework" / "demo" / "corpus.jsonl", ROOT / "tests" / "data" / "clusters" / "corpus.jsonl",
           ROOT / "tests" / "data" / "heldout" / "corpus.jsonl"]
SIZE = 4  # documents per partition: several partitions per file
runner = CliRunner()


def _lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of every kind the cluster reads: JSONL (with a malformed line, a blank line and an id
    repeated from an earlier partition), JSONL.gz, Parquet and a .txt file."""
    folder = tmp_path_factory.mktemp("scale") / "in"
    folder.mkdir()
    demo = _lines(SOURCES[0])
    repeat = json.loads(demo[0]) | {"text": "Japan and Australia held defence talks in Tokyo on Monday."}
    (folder / "a_demo.jsonl").write_text(
        "\n".join(demo[:5] + ['{"id": "broken", "text": ', ""] + demo[5:] + [json.dumps(repeat)]) + "\n",
        encoding="utf-8")
    with gzip.open(folder / "b_clusters.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(_lines(SOURCES[1])) + "\n")
    rows = [json.loads(ln) for ln in _lines(SOURCES[2])]
    pq.write_table(pa.Table.from_pylist(rows), folder / "c_heldout.parquet", row_group_size=4)
    (folder / "d_note.txt").write_text("India and France signed a defence industrial roadmap in Paris on "
                                       "12 March 2024, officials said.", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = local_cluster(2, dashboard=False, memory_limit="1.5GiB")  # processes, one thread each, loopback
    cl = distributed.Client(cluster)
    try:
        yield cl
    finally:
        cl.close()
        cluster.close()


@pytest.fixture(scope="module")
def coder() -> Any:
    from latticework.coder import Coder

    return Coder()


@pytest.fixture(scope="module")
def coded(client: Any, corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("scale") / "out"
    seen: list[ScaleProgress] = []
    run = code_distributed([corpus], out, client, partition_size=SIZE, progress=seen.append)
    assert seen[0].done == 0 and seen[-1].done == run.partitions == run.coded
    return out, run


def _single(corpus: Path) -> list[Document | InputProblem]:
    return list(read_inputs([corpus]))


def test_partitions_hold_what_the_coder_gives_here(coded: tuple[Path, Any], corpus: Path, coder: Any) -> None:
    out, run = coded
    plan = read_plan(out)
    assert run.partitions == len(plan["partitions"]) >= 10 and run.skipped == 0 and run.workers == 2
    items = [it for part in plan["partitions"] for it in partition_items(out, part["id"])]
    single = _single(corpus)
    # within a partition ids are unique already; the repeated id comes back from its partition and is
    # turned into the problem `read_documents` reports when the whole run is loaded
    docs = [d for d in single if isinstance(d, Document)]
    coded_docs = [d for d, _ in items if isinstance(d, Document)]
    ids = [d.id for d in coded_docs]
    again = ids.index(docs[0].id, 1)  # the repeat, last line of a_demo.jsonl
    assert ids[:again] + ids[again + 1:] == [d.id for d in docs]
    for doc, events in items:
        if isinstance(doc, Document):
            assert not isinstance(events, CodingError)
            assert events == coder.code(doc), doc.id  # same events, same ids, same order
    problems = [str(p) for p in single if isinstance(p, InputProblem)]
    assert list(partition_problems(out)) == problems
    assert any("a_demo.jsonl:6" in p and "malformed JSON" in p for p in problems)
    assert any("duplicate id" in p for p in problems)
    assert run.documents == len(docs) + 1 and run.problems == 1  # the malformed line; the repeat is coded
    for part in plan["partitions"]:
        table = pq.read_table(out / "parts" / part["id"] / "events.parquet")
        assert table.schema.equals(event_schema())  # the typed export's columns


def _dump(url: str) -> dict[str, list]:
    """Every row the store holds, without run ids and timestamps; JSON columns parsed."""
    skip = {"ingested_at", "run_id", "coded_at"}
    out: dict[str, list] = {}
    with Store(url, create=False) as store, store.engine.connect() as conn:
        for table in (m.documents, m.doc_bands, m.doc_signatures, m.codings, m.events, m.participants,
                      m.event_clusters, m.actors):
            cols = [c for c in table.c if c.name not in skip and not (table is m.codings and c.name == "id")]
            rows = []
            for r in conn.execute(sa.select(*cols)).mappings():
                row = dict(r)
                if isinstance(row.get("extra"), str):
                    row["extra"] = json.loads(row["extra"])
                rows.append(tuple(sorted((k, repr(v)) for k, v in row.items())))
            out[table.name] = sorted(rows)
        out["events_listed"] = sorted(json.dumps(e, sort_keys=True, default=str) for e in store.iter_events())
    return out


def test_loading_leaves_the_store_as_single_process_ingest(coded: tuple[Path, Any], corpus: Path, coder: Any,
                                                           store_url: str, tmp_path: Path) -> None:
    out, _ = coded
    reference = f"sqlite:///{tmp_path / 'single.db'}"
    with Store(reference) as store:
        single = store.ingest(read_inputs([corpus]), coder=coder, progress=False)
    with Store(store_url) as store:
        loaded = load_partitions(store, out, progress=False)
        with store.engine.connect() as conn:
            pending = conn.scalar(sa.select(sa.func.count()).select_from(m.events)
                                  .where(m.events.c.cluster_id.is_(None)))
    assert pending == 0
    assert (loaded.new, loaded.updated, loaded.unchanged, loaded.events) == \
           (single.new, single.updated, single.unchanged, single.events)
    assert loaded.problems == single.problems
    want, got = _dump(reference), _dump(store_url)
    assert got == want
    assert len(got["event_clusters"]) < len(got["events"])  # reports of one event clustered across documents
    stories = {dict(r)["story_id"] for r in got["documents"]}
    assert len(stories) < len(got["documents"])  # wire copies share a story

    with Store(store_url) as store:  # a rerun of the load changes nothing
        again = load_partitions(store, out, progress=False)
    assert (again.new, again.updated, again.events) == (0, 0, 0) and again.unchanged == single.new
    assert _dump(store_url) == got


def test_an_interrupted_load_is_finished_by_the_next(coded: tuple[Path, Any], corpus: Path, coder: Any,
                                                     tmp_path: Path) -> None:
    """Batches committed before an interruption hold reports in no event yet (clustering waits for the end
    of the load); the next load skips those documents, writes the rest and clusters everything."""
    out, run = coded
    reference = f"sqlite:///{tmp_path / 'single.db'}"
    with Store(reference) as store:
        store.ingest(read_inputs([corpus]), coder=coder, progress=False, batch=5)

    def cut_short() -> Iterator[tuple[Any, Any]]:
        for n, item in enumerate(run_items(out)):
            if n == 17:
                raise KeyboardInterrupt
            yield item

    url = f"sqlite:///{tmp_path / 'loaded.db'}"
    with Store(url) as store:
        with pytest.raises(KeyboardInterrupt):
            store.ingest_coded(cut_short(), run.coder_version, batch=5, progress=False)
        with store.engine.connect() as conn:
            stored = conn.scalar(sa.select(sa.func.count()).select_from(m.documents))
            pending = conn.scalar(sa.select(sa.func.count()).select_from(m.events)
                                  .where(m.events.c.cluster_id.is_(None)))
        assert stored == 15 and pending > 0  # three whole batches
        report = load_partitions(store, out, batch=5, progress=False)
    assert report.unchanged == 15
    assert _dump(url) == _dump(reference)


def test_rerun_skips_every_partition(client: Any, coded: tuple[Path, Any], corpus: Path) -> None:
    out, first = coded
    manifests = sorted((out / "parts").glob("*/manifest.json"))
    stamps = [p.stat().st_mtime_ns for p in manifests]
    run = code_distributed([corpus], out, client, partition_size=SIZE)
    assert (run.partitions, run.skipped, run.coded, run.documents) == (first.partitions, first.partitions, 0, 0)
    assert [p.stat().st_mtime_ns for p in manifests] == stamps


def test_a_changed_file_recodes_only_its_partitions(client: Any, coded: tuple[Path, Any], corpus: Path,
                                                    tmp_path: Path) -> None:
    out, first = coded
    copy_in, copy_out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(corpus, copy_in)
    before = code_distributed([copy_in], copy_out, client, partition_size=SIZE)
    with open(copy_in / "d_note.txt", "a", encoding="utf-8") as fh:
        fh.write(" Both ministers will meet again in Delhi next year.")
    after = code_distributed([copy_in], copy_out, client, partition_size=SIZE)
    assert before.coded == before.partitions and after.coded == 1 and after.skipped == before.partitions - 1
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        report = load_partitions(store, copy_out, progress=False)
    assert report.new == first.documents - 1  # every document, the repeated id skipped


def test_loading_an_unfinished_run_is_refused(coded: tuple[Path, Any], tmp_path: Path) -> None:
    out, _ = coded
    partial = tmp_path / "partial"
    shutil.copytree(out, partial)
    victim = read_plan(partial)["partitions"][3]["id"]
    shutil.rmtree(partial / "parts" / victim)
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store, pytest.raises(ScaleError, match="1 of .* not coded yet"):
        load_partitions(store, partial, progress=False)


def test_cli_code_and_ingest_on_a_running_scheduler(client: Any, coded: tuple[Path, Any], corpus: Path,
                                                    tmp_path: Path) -> None:
    address = client.scheduler.address
    out, _ = coded
    parts = tmp_path / "parts"
    shutil.copytree(out, parts)  # coded already: the commands skip every partition
    res = runner.invoke(app, ["code", str(corpus), "--cluster", address, "-o", str(parts), "--partition-size", "4"])
    assert res.exit_code == 1, res.output  # the malformed line and the repeated id
    lines = res.stderr.splitlines()
    assert sum("a_demo.jsonl:6" in ln for ln in lines) == 1 and sum("duplicate id" in ln for ln in lines) == 1
    assert "14 partitions (14 already done): coded 0 documents" in res.stderr
    db = tmp_path / "cli.db"
    res = runner.invoke(app, ["ingest", str(corpus), "--db", str(db), "--cluster", address, "--parts", str(parts),
                              "--partition-size", "4", "-q"])
    assert res.exit_code == 1, res.output
    with Store(f"sqlite:///{tmp_path / 'lib.db'}") as store:
        load_partitions(store, out, progress=False)
    assert _dump(f"sqlite:///{db}") == _dump(f"sqlite:///{tmp_path / 'lib.db'}")
    res = runner.invoke(app, ["ingest", str(corpus), "--db", str(db), "--cluster", address])
    assert res.exit_code == 2 and "needs --parts DIR" in res.stderr
    res = runner.invoke(app, ["code", "-", "--cluster", address, "-o", str(parts)])
    assert res.exit_code == 2 and "standard input" in res.stderr


def test_a_killed_worker_loses_no_document_and_codes_none_twice(client: Any, tmp_path: Path) -> None:
    """Partitions of one document each; once two are done, one worker process is killed outright. Dask
    runs its partition again on the other worker (or on the one the nanny restarts)."""
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(ln for p in SOURCES for ln in _lines(p)) + "\n", encoding="utf-8")
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed: list[int] = []

    def progress(p: ScaleProgress) -> None:
        if p.done == 2 and not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    out = tmp_path / "out"
    run = code_distributed([src], out, client, partition_size=1, progress=progress)
    assert killed and run.coded == run.partitions == 43
    ids = [i for p in sorted((out / "parts").glob("*/manifest.json")) for i in json.loads(p.read_text())["ids"]]
    expected = [json.loads(ln)["id"] for p in SOURCES for ln in _lines(p)]
    assert Counter(ids) == Counter(expected) and len(ids) == len(set(ids))  # each exactly once
    assert not list((out / "parts").glob(".tmp-*"))

    def started(dask_scheduler: Any) -> dict[str, int]:
        runs: Counter = Counter()
        for key, _start, finish, *_ in dask_scheduler.transition_log:
            if str(key).startswith("latticework-code-") and finish == "processing":
                runs[str(key)] += 1
        return dict(runs)

    rerun = [key for key, n in client.run_on_scheduler(started).items() if n > 1]
    assert rerun  # the partition the killed worker held was run again
    deadline = time.monotonic() + 60  # the nanny starts a new worker process: the cluster is whole again
    while len(client.scheduler_info(n_workers=-1)["workers"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert victim not in client.run(os.getpid).values()


def test_cli_ingest_on_a_local_cluster_of_its_own(tmp_path: Path, coder: Any) -> None:
    """--cluster local starts (and stops) its own LocalCluster, prints its dashboard, loads the store."""
    db = tmp_path / "local.db"
    res = runner.invoke(app, ["ingest", str(SOURCES[0]), "--db", str(db), "--cluster", "local", "--workers", "1",
                              "--partition-size", "4"])
    assert res.exit_code == 0, res.output
    assert "Dask dashboard: http://" in res.stderr and "3 partitions: coded 11 documents" in res.stderr
    assert "11 new, 0 updated, 0 unchanged documents" in res.stderr
    with Store(f"sqlite:///{tmp_path / 'single.db'}") as store:
        store.ingest(read_inputs([SOURCES[0]]), coder=coder, progress=False)
    assert _dump(f"sqlite:///{db}") == _dump(f"sqlite:///{tmp_path / 'single.db'}")
