"""Coding on Dask (latticework.scale): throughput with 1 and 2 workers, memory per worker, load times.

usage: .venv/bin/python bench/bench_scale.py [--docs 240] [--words 400] [--partition 20]
                                             [--pg URL | --no-pg] [--seed 11] [--quick] [--json]

On freshly generated news-like text (bench/bench_coder.py's generator: invented names throughout, so
the vocabulary keeps growing as it does on real news), one run measures, all in this process:

  1. the baseline: `Coder().code` in this process on the same documents (documents/s);
  2. `code_distributed` on a LocalCluster of 1, then 2 worker processes (one thread each): documents/s
     once the workers have loaded the coder (the wall time of start-up is printed apart), the ratio of
     each to the baseline, and the parallel efficiency docs/s(2) / (2 x docs/s(1)) (target >= 0.8),
     and the same per CPU-second obtained (what distributing costs, whatever else runs);
  3. memory of each worker process: resident set size after the run and its peak (getrusage);
  4. `load_partitions` of the 2-worker output into SQLite and into PostgreSQL (COPY), with the
     default batch of 100 documents per transaction and with 1000: seconds, documents/s, size;
  5. the bytes of Parquet per document, for sizing shared storage.

The machine is shared: for every timed phase the bench also measures how many cores *other*
processes kept busy (all CPU time of the machine minus that of this process and its children), and
prints it next to the figure, so a low efficiency under load is seen as such.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import psutil  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from bench_coder import TextGen  # noqa: E402

from latticework.ingest import Document  # noqa: E402
from latticework.scale import code_distributed, load_partitions, local_cluster  # noqa: E402
from latticework.store import Store  # noqa: E402


class OtherLoad:
    """Cores kept busy by processes other than this one and its children over a timed phase: at normal
    priority (they compete with the bench) and niced (`nice`: they yield to it, mostly)."""

    def __enter__(self) -> OtherLoad:
        self.t = time.perf_counter()
        self.busy, self.nice = self._busy()
        self.ours = self._ours()
        return self

    @staticmethod
    def _busy() -> tuple[float, float]:
        c = psutil.cpu_times()
        busy = c.user + c.system + getattr(c, "irq", 0) + getattr(c, "softirq", 0) + getattr(c, "steal", 0)
        return busy, c.nice

    @staticmethod
    def _ours() -> float:
        me = psutil.Process()
        total = sum(me.cpu_times()[:2])
        for child in me.children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return total

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.t
        busy, nice = self._busy()
        ours = self._ours() - self.ours
        s = self.seconds or 1.0
        self.ours_cores = ours / s
        self.other_cores = max(0.0, (busy - self.busy - ours) / s)
        self.nice_cores = (nice - self.nice) / s


def _worker_memory() -> dict[str, float]:
    return {"rss_mb": psutil.Process().memory_info().rss / 2**20,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _dir_bytes(path: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in path.glob(pattern))


def baseline(docs: list[Document]) -> dict[str, Any]:
    from latticework.coder import Coder

    coder = Coder()
    coder.code(Document(id="warm-up", text="Japan and Australia held defence talks in Tokyo on Monday.",
                        published="2024-01-01"))
    with OtherLoad() as load:
        events = sum(len(coder.code(d)) for d in docs)
    return {"docs_per_s": len(docs) / load.seconds, "seconds": load.seconds, "events": events,
            "other_cores": load.other_cores, "nice_cores": load.nice_cores, "rss_mb": psutil.Process().memory_info().rss / 2**20}


def distributed_run(src: Path, out: Path, workers: int, partition: int) -> dict[str, Any]:
    from distributed import Client

    t0 = time.perf_counter()
    cluster = local_cluster(workers, dashboard=False, memory_limit="2GiB")  # as `--cluster local` starts it
    client = Client(cluster)
    try:
        marks: dict[str, float] = {}

        def progress(p: Any) -> None:
            marks.setdefault("coding", time.perf_counter())

        with OtherLoad() as load:
            run = code_distributed([src], out, client, partition_size=partition, progress=progress)
        memory = list(client.run(_worker_memory).values())
    finally:
        client.close()
        cluster.close()
    wall = time.perf_counter() - t0
    return {"workers": workers, "docs_per_s": run.docs_per_s, "seconds": run.seconds, "events": run.events,
            "documents": run.documents, "partitions": run.partitions, "startup_s": marks["coding"] - t0,
            "wall_s": wall, "other_cores": load.other_cores, "nice_cores": load.nice_cores,
            "ours_cores": load.ours_cores,
            "worker_rss_mb": [round(w["rss_mb"], 1) for w in memory],
            "worker_peak_mb": [round(w["peak_mb"], 1) for w in memory]}


def db_bytes(store: Store) -> int:
    if store.dialect == "sqlite":
        path = Path(sa.make_url(store.url).database or "")
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )).scalar_one())


def load_run(label: str, url: str, out: Path, batch: int) -> dict[str, Any]:
    with Store(url) as store:
        with OtherLoad() as load:
            report = load_partitions(store, out, batch=batch, progress=False)
        size = db_bytes(store)
        t = time.perf_counter()
        again = load_partitions(store, out, batch=batch, progress=False)
        rerun = time.perf_counter() - t
    return {"database": label, "batch": batch, "seconds": load.seconds, "documents": report.new,
            "events": report.events, "docs_per_s": report.new / load.seconds, "other_cores": load.other_cores,
            "nice_cores": load.nice_cores,
            "bytes": size, "rerun_s": rerun, "rerun_unchanged": again.unchanged}


def with_pg_schema(base: str, fn: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in base else "?"
        return fn(f"{base}{sep}options=-csearch_path%3D{schema}")
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=240, help="documents to generate (default 240)")
    ap.add_argument("--words", type=int, default=400, help="words per document (default 400)")
    ap.add_argument("--partition", type=int, default=20, help="documents per partition (default 20)")
    ap.add_argument("--pg", default=os.environ.get("LATTICEWORK_TEST_PG"), help="PostgreSQL URL")
    ap.add_argument("--no-pg", action="store_true", help="load into SQLite only")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--quick", action="store_true", help="40 documents of 200 words (a smoke run)")
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = ap.parse_args(argv)
    if args.quick:
        args.docs, args.words, args.partition = 40, 200, 5

    gen = TextGen(args.seed)
    docs: list[Document] = []
    while len(docs) < args.docs:
        docs.append(gen.document(len(docs), args.words))
    words = sum(len(d.text.split()) for d in docs)
    print(f"{len(docs)} generated documents, {words} words ({words / len(docs):.0f} per document); "
          f"{os.cpu_count()} cores; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    result: dict[str, Any] = {"documents": len(docs), "words": words, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp_name:
        tmp = Path(tmp_name)
        src = tmp / "docs.jsonl"
        with open(src, "w", encoding="utf-8") as fh:
            for d in docs:
                fh.write(json.dumps({"id": d.id, "text": d.text, "published": d.published}) + "\n")

        base = baseline(docs)
        result["baseline"] = base
        print(f"baseline, Coder().code in this process: {base['docs_per_s']:.2f} docs/s "
              f"({base['seconds']:.1f} s, {base['events']} events; RSS {base['rss_mb']:.0f} MB; "
              f"other load {base['other_cores']:.2f} cores, niced {base['nice_cores']:.2f})")
        runs = {}
        for w in (1, 2):
            r = distributed_run(src, tmp / f"out{w}", w, args.partition)
            runs[w] = r
            print(f"{w} worker{'s' if w > 1 else ''}: {r['docs_per_s']:.2f} docs/s ({r['seconds']:.1f} s coding, "
                  f"{r['partitions']} partitions, {r['events']} events; start-up {r['startup_s']:.1f} s, "
                  f"wall {r['wall_s']:.1f} s); ratio to baseline {r['docs_per_s'] / base['docs_per_s']:.2f}; "
                  f"worker RSS {r['worker_rss_mb']} MB, peak {r['worker_peak_mb']} MB; "
                  f"other load {r['other_cores']:.2f} cores, niced {r['nice_cores']:.2f}")
            assert r["events"] == base["events"], "the cluster coded other events than this process"
        result["runs"] = [runs[1], runs[2]]
        eff = runs[2]["docs_per_s"] / (2 * runs[1]["docs_per_s"])
        result["efficiency"] = eff
        busy = max(runs[1]["other_cores"], runs[2]["other_cores"])
        nice = max(runs[1]["nice_cores"], runs[2]["nice_cores"])
        note = (f"; other processes kept {busy:.2f} of {os.cpu_count()} cores busy (and niced ones {nice:.2f}), "
                "so 2 workers did not have 2 free cores" if busy + nice > 0.2 else "")
        print(f"efficiency docs/s(2) / (2 x docs/s(1)) = {eff:.2f} (target >= 0.8){note}")
        per_cpu = [r["docs_per_s"] / r["ours_cores"] if r["ours_cores"] else 0.0 for r in (runs[1], runs[2])]
        result["cpu_efficiency"] = per_cpu[1] / per_cpu[0] if per_cpu[0] else 0.0
        print(f"documents per CPU-second this bench obtained: {per_cpu[0]:.2f} with 1 worker "
              f"({runs[1]['ours_cores']:.2f} cores), {per_cpu[1]:.2f} with 2 ({runs[2]['ours_cores']:.2f} cores): "
              f"ratio {result['cpu_efficiency']:.2f} (1.0 = no cost from distributing; independent of other load)")

        out = tmp / "out2"
        pq_bytes = _dir_bytes(out / "parts", "*/*.parquet")
        ev_bytes = _dir_bytes(out / "parts", "*/events.parquet")
        result["parquet_bytes_per_doc"] = pq_bytes / len(docs)
        print(f"Parquet: {pq_bytes / len(docs) / 1024:.1f} KiB per document "
              f"({ev_bytes / len(docs) / 1024:.1f} KiB of it events, the rest the documents' text)")

        load_run("sqlite", f"sqlite:///{tmp / 'warm.db'}", out, 100)  # imports, first connections: not timed
        loads = []
        loads.append(load_run("sqlite", f"sqlite:///{tmp / 'load100.db'}", out, 100))
        loads.append(load_run("sqlite", f"sqlite:///{tmp / 'load1000.db'}", out, 1000))
        if args.pg and not args.no_pg:
            for batch in (100, 1000):
                loads.append(with_pg_schema(args.pg, lambda url, b=batch: load_run("postgresql", url, out, b)))
        result["loads"] = loads
        coding_rate = runs[2]["docs_per_s"]
        for ld in loads:
            print(f"load into {ld['database']:10s} batch {ld['batch']:4d}: {ld['seconds']:.2f} s = "
                  f"{ld['docs_per_s']:.0f} docs/s ({ld['events']} events; {ld['docs_per_s'] / coding_rate:.0f}x "
                  f"the 2-worker coding rate); {ld['bytes'] / len(docs) / 1024:.1f} KiB per document in the "
                  f"database; rerun {ld['rerun_s']:.2f} s ({ld['rerun_unchanged']} unchanged); "
                  f"other load {ld['other_cores']:.2f} cores, niced {ld['nice_cores']:.2f}")
        pg = [ld for ld in loads if ld["database"] == "postgresql" and ld["batch"] == 100]
        if pg:
            print(f"ratio load time PostgreSQL (COPY) / SQLite, batch 100: {pg[0]['seconds'] / loads[0]['seconds']:.2f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
