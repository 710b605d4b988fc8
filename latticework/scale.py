"""Coding archive-size corpora on a Dask cluster, then loading the results into the store.

Why it is shaped this way:
- one machine's cores (latticework.parallel) stop being enough at millions of documents, and a
  home-made distributed engine would have to solve scheduling, retries and dead workers again:
  Dask's scheduler does that, so this module only decides *what* a task is;
- a task is one *partition*: a run of N lines of a JSONL file (or N rows of a Parquet file, or N
  small .txt/.html files). Partitions are planned on the client from the input alone (file names,
  line counts, a hash of each file's bytes), so their ids are the same on every run over the same
  input, and a rerun knows what is done;
- a worker codes a partition with the coder it built once for its process (`worker_coder`, a
  module global), reads it with the readers of latticework.ingest (the same validation and the
  same one-line problems as `code` and `ingest`), and writes three files into a temporary folder
  that it renames to `parts/<id>/` last: events in the typed schema of latticework.tables, the
  documents (and problems) in input order, and a manifest. The rename is atomic, so a partition is
  either complete or absent: a worker killed halfway leaves nothing the loader would read, Dask runs
  the task again elsewhere, and two attempts that both finish write the same bytes;
- workers never touch the database. `load_partitions` reads the partitions in input order on one
  machine and hands (document, events) pairs to `Store.ingest_coded`, which writes them through the
  store's own write path (same batches, hashes, versions, stories and messages as `Store.ingest`,
  COPY on PostgreSQL) and clusters the reports once after the load, block by block, instead of in
  every batch. The store therefore ends up as a single-process `ingest` of the same input leaves it.

Nothing here imports Dask, pyarrow or the coder until it is used, so the CLI stays quick to start.
The input must be readable by path from the workers and `out_dir` must be shared storage that the
workers and the loading machine see (docs/scale.md).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latticework.ingest import (
    _SNIFF,
    DEFAULT_MAX_BYTES,
    Document,
    InputProblem,
    _bounded_lines,
    _Chain,
    _decode,
    _kind,
    _mb,
    _Reader,
    _wide_encoding,
)

if TYPE_CHECKING:
    from latticework.store import IngestReport, Store

__all__ = ["DEFAULT_PARTITION", "ScaleError", "ScaleProgress", "ScaleRun", "code_distributed", "load_partitions",
           "partition_items", "partition_problems", "plan_partitions", "read_inputs", "read_plan", "run_items",
           "local_cluster", "worker_coder"]

#: Documents (JSONL lines, Parquet rows, small files) per partition: ~30-60 s of coding for one
#: worker at news-article length, long enough to hide Dask's per-task cost, short enough that a
#: dead worker costs little.
DEFAULT_PARTITION = 500
FORMAT = 1  # of plan.json and the manifests
_BOM = b"\xef\xbb\xbf"


class ScaleError(RuntimeError):
    """The distributed run cannot go on; the message is one line for the user."""


# ------------------------------------------------------------------------------------------ inputs

def _is_parquet(name: str) -> bool:
    return name.lower().endswith(".parquet")


def _walk(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[str, str | None]]:
    """(path, problem) for every input file, in the order `read_documents` reads them: directories
    recursively and sorted (JSONL, .txt, .html, optionally .gz, and Parquet), a missing path as a
    problem. Standard input cannot be split into partitions."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    for path in (os.fspath(p) for p in paths):
        if path == "-":
            raise ScaleError("standard input cannot be split over a cluster: give files or a directory")
        p = Path(path)
        if p.is_dir():
            for f in sorted(str(f) for f in p.rglob("*")
                            if f.is_file() and (_kind(f.name) is not None or _is_parquet(f.name))):
                yield f, None
        elif not p.exists():
            yield path, "no such file or directory"
        else:
            yield path, None


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _parquet_rows(reader: _Reader, where: str, file: str, start: int = 0,
                  stop: int | None = None) -> Iterator[Document | InputProblem]:
    """Documents of rows [start, stop) of a Parquet file: columns id, text and the optional published,
    title, source, url, language (others are kept as extra fields), checked like a JSONL line and
    named `FILE:ROW` (1-based) in problems."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(file)
        meta = pf.metadata
        stop = meta.num_rows if stop is None else min(stop, meta.num_rows)
        first = 0
        for rg in range(meta.num_row_groups):
            n = meta.row_group(rg).num_rows
            lo, hi = max(start, first), min(stop, first + n)
            if lo < hi:
                rows = pf.read_row_group(rg).slice(lo - first, hi - lo).to_pylist()
                for k, row in enumerate(rows):
                    line = json.dumps(row, ensure_ascii=False, default=_json_value)
                    yield reader._from_json(line, f"{where}:{lo + k + 1}")
            first += n
            if first >= stop:
                break
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds on a damaged file
        yield InputProblem(where, f"cannot read Parquet: {exc}; skipped")


def read_inputs(paths: Iterable[str | os.PathLike[str]], published: str | None = None, *,
                language_check: bool = True, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Document | InputProblem]:
    """`ingest.read_documents` that also reads Parquet files: the single-process reading of exactly
    what `code_distributed` reads (same order, same checks, same problems)."""
    reader = _Reader(published, language_check, max_bytes)
    for given in [paths] if isinstance(paths, str | os.PathLike) else paths:
        if os.fspath(given) == "-":  # standard input: read here, as `read_documents` reads it
            yield from reader.read_path("-", None)
            continue
        for path, problem in _walk([given]):
            if problem:
                yield InputProblem(path, problem)
            elif _is_parquet(path):
                yield from _parquet_rows(reader, path, path)
            else:
                yield from reader._read_file(path)


# ------------------------------------------------------------------------------------------ planning

def _fingerprint(path: str) -> str:
    st = os.stat(path)
    return f"{st.st_size}:{st.st_mtime_ns}"


def _scan_jsonl(path: str, size: int) -> tuple[str, int, list[tuple[int, int]]] | None:
    """(hash of the file's bytes, its number of lines, [(line number, byte offset)] of lines 1, 1 + size,
    1 + 2 size ...: where partitions start), or None when the
    file must be read whole (it cannot be read, is UTF-16/32, or binary: its one problem says so).
    Lines are counted as `ingest` counts them: a line ends at a newline, however long it is."""
    try:
        with open(path, "rb") as raw:
            fh: Any = gzip.GzipFile(fileobj=raw, mode="rb") if path.lower().endswith(".gz") else raw
            head = fh.read(_SNIFF)
            first = head.removeprefix(_BOM).lstrip()[:1]
            if _wide_encoding(head) or (b"\x00" in head and first != b"{"):
                return None
            h = hashlib.blake2b(digest_size=16)
            stream = _Chain(head, fh)
            starts: list[tuple[int, int]] = []
            lines, offset, at_start = 0, 0, True
            while chunk := stream.readline(1 << 20):
                h.update(chunk)
                if at_start:
                    if lines % size == 0:
                        starts.append((lines + 1, offset))
                    lines += 1
                offset += len(chunk)
                at_start = chunk.endswith(b"\n")
    except (OSError, EOFError, zlib.error):
        return None
    return h.hexdigest(), lines, starts


def _hash_file(path: str) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def plan_partitions(inputs: Iterable[str | os.PathLike[str]], size: int = DEFAULT_PARTITION, *,
                    published: str | None = None, language_check: bool = True,
                    max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    """The plan of a run: its options and its partitions in input order, each a list of pieces
    (a line range of a JSONL file, a row range of a Parquet file, whole small files, or a problem
    such as a missing path). A partition's id hashes its pieces, the content of their files and the
    reading options, so it is the same on every run over unchanged input and changes with it."""
    if size < 1:
        raise ScaleError(f"partition size must be at least 1, not {size}")
    options = {"published": published, "language_check": language_check, "max_bytes": max_bytes, "size": size}
    inputs = [os.fspath(p) for p in ([inputs] if isinstance(inputs, str | os.PathLike) else inputs)]
    partitions: list[list[dict[str, Any]]] = []
    loose: list[dict[str, Any]] = []  # whole files and problems, grouped `size` to a partition

    def flush() -> None:
        if loose:
            partitions.append(list(loose))
            loose.clear()

    def add_loose(piece: dict[str, Any]) -> None:
        loose.append(piece)
        if len(loose) >= size:
            flush()

    for path, problem in _walk(inputs):
        if problem:
            add_loose({"kind": "problem", "path": path, "message": problem})
            continue
        file = os.path.abspath(path)
        if _is_parquet(path):
            try:
                import pyarrow.parquet as pq

                rows = pq.ParquetFile(file).metadata.num_rows
            except Exception:  # noqa: BLE001 - the worker reads it and reports the problem
                add_loose({"kind": "whole", "path": path, "file": file, "content": _fingerprint(file)})
                continue
            flush()
            content = _fingerprint(file)
            for lo in range(0, rows, size):
                partitions.append([{"kind": "parquet", "path": path, "file": file, "content": content,
                                    "start": lo, "stop": min(lo + size, rows)}])
            continue
        scan = _scan_jsonl(file, size) if _kind(path) == "jsonl" else None
        if scan is None:
            try:
                content = _hash_file(file) if os.path.getsize(file) < (64 << 20) else _fingerprint(file)
            except OSError:
                content = ""
            add_loose({"kind": "whole", "path": path, "file": file, "content": content})
            continue
        flush()
        digest, lines, starts = scan
        gz = path.lower().endswith(".gz")
        for line, offset in starts:
            partitions.append([{"kind": "jsonl", "path": path, "file": file, "content": digest,
                                "start": line, "count": min(size, lines - line + 1),
                                "offset": None if gz else offset}])
    flush()
    planned = []
    for pieces in partitions:
        basis = json.dumps({"pieces": pieces, "options": options}, sort_keys=True)
        planned.append({"id": hashlib.sha256(basis.encode()).hexdigest()[:20], "pieces": pieces})
    return {"format": FORMAT, "inputs": inputs, "options": options, "partitions": planned}


# ------------------------------------------------------------------------------------------ reading a partition

def _jsonl_range(reader: _Reader, where: str, fh: Any, first: int, count: int) -> Iterator[Document | InputProblem]:
    """Lines first .. first+count-1 of a JSONL stream positioned at line `first`: the loop of
    `ingest._Reader._jsonl`, numbered from `first` (so a message names the line it names there)."""
    cap = 2 * reader.max_bytes + 65536
    for k, line, size in _bounded_lines(_Chain(b"", fh), cap):
        if k > count:
            return
        n = first + k - 1
        at = f"{where}:{n}"
        if line is None:
            yield InputProblem(at, f"line of {_mb(size)} is over the {_mb(reader.max_bytes)} document limit; skipped")
            continue
        if n == 1 and line.startswith(_BOM):
            line = line[3:]
        if not line.strip():
            continue
        if b"\x00" in line:
            yield InputProblem(at, f"raw NUL byte at column {line.index(0) + 1} (binary data); skipped")
            continue
        text, problem = _decode(line, at, False)
        if problem or text is None:
            yield problem or InputProblem(at, "undecodable line")
            continue
        yield reader._from_json(text.rstrip("\r\n"), at)


def _skip_lines(fh: Any, n: int) -> None:
    while n > 0:
        chunk = fh.readline(1 << 20)
        if not chunk:
            return
        if chunk.endswith(b"\n"):
            n -= 1


def _read_piece(reader: _Reader, piece: dict[str, Any]) -> Iterator[Document | InputProblem]:
    kind, where = piece["kind"], piece["path"]
    if kind == "problem":
        yield InputProblem(where, piece["message"])
        return
    if kind == "parquet" or (kind == "whole" and _is_parquet(where)):
        yield from _parquet_rows(reader, where, piece["file"], piece.get("start", 0), piece.get("stop"))
        return
    try:
        raw = open(piece["file"], "rb")  # noqa: SIM115 - closed below
    except OSError as e:
        yield InputProblem(where, f"cannot open: {e.strerror or e}")
        return
    with raw:
        fh: Any = gzip.GzipFile(fileobj=raw, mode="rb") if where.lower().endswith(".gz") else raw
        if kind == "whole":
            yield from reader._read_stream(where, fh, _kind(where))
            return
        try:
            if piece["offset"] is not None:
                raw.seek(piece["offset"])
            else:
                _skip_lines(fh, piece["start"] - 1)
            yield from _jsonl_range(reader, where, fh, piece["start"], piece["count"])
        except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
            yield InputProblem(where, f"cannot read: {e}")


# ------------------------------------------------------------------------------------------ the worker side

_CODERS: dict[tuple[str, ...], Any] = {}
_CODERS_LOCK = threading.Lock()


def worker_coder(data_dirs: Sequence[str] = ()) -> Any:
    """This process's coder for `data_dirs`, built on first use and kept for every later task (a Dask
    worker process runs many partitions; the model is loaded once)."""
    key = tuple(str(d) for d in data_dirs)
    with _CODERS_LOCK:
        coder = _CODERS.get(key)
        if coder is None:
            from latticework.parallel import build_coder

            coder = _CODERS[key] = build_coder(key)
    return coder


def _worker_version(data_dirs: Sequence[str]) -> dict[str, Any]:
    """Load this worker's coder (and warm the model up on one sentence); its version and process."""
    coder = worker_coder(data_dirs)
    coder.code(Document(id="warm-up", text="Japan and Australia held defence talks in Tokyo on Monday.",
                        published="2024-01-01"))
    return {"version": coder.version, "pid": os.getpid(), "host": socket.gethostname()}


_CORE = ("event_id", "doc_id", "type", "mode", "framework", "date", "status", "hedged", "location", "evidence",
         "confidence", "cameo", "actors", "targets")


def _event_from_record(rec: dict[str, Any]) -> dict[str, Any]:
    """An event dict again from its typed record (latticework.tables.event_record)."""
    ev = {k: rec[k] for k in _CORE}
    if rec.get("extra"):
        ev.update(json.loads(rec["extra"]))
    return ev


def _comparable(ev: dict[str, Any]) -> dict[str, Any]:
    return {**{k: ev.get(k) for k in _CORE}, **{k: v for k, v in ev.items() if k not in _CORE and k != "source"}}


_DOC_FIELDS = ("id", "text", "published", "title", "source", "url", "language", "origin")


def _doc_schema() -> Any:
    import pyarrow as pa

    s = pa.string()
    return pa.schema([("seq", pa.int32()), ("kind", s), *[(f, s) for f in _DOC_FIELDS], ("extra", s),
                      ("content_hash", s), ("n_events", pa.int32()), ("error_kind", s), ("error", s)],
                     metadata={"latticework": "partition documents"})


def _write_parquet(path: Path, batches: Iterable[Any], schema: Any) -> int:
    import pyarrow.parquet as pq

    n = 0
    with open(path, "wb") as fh:
        with pq.ParquetWriter(fh, schema, compression="zstd") as writer:
            for batch in batches:
                writer.write_batch(batch)
                n += batch.num_rows
        fh.flush()
        os.fsync(fh.fileno())
    return n


def _parts_dir(out_dir: str | os.PathLike[str]) -> Path:
    return Path(out_dir) / "parts"


def _manifest(out_dir: str | os.PathLike[str], pid: str) -> dict[str, Any] | None:
    try:
        with open(_parts_dir(out_dir) / pid / "manifest.json", encoding="utf-8") as fh:
            found: dict[str, Any] = json.load(fh)
            return found
    except (OSError, ValueError):
        return None


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _summary(manifest: dict[str, Any], skipped: bool) -> dict[str, Any]:
    keys = ("id", "documents", "failed", "problems", "events", "seconds", "pid", "host")
    return {**{k: manifest.get(k) for k in keys}, "skipped": skipped}


def code_partition(part: dict[str, Any], out_dir: str, options: dict[str, Any], data_dirs: Sequence[str],
                   version: str) -> dict[str, Any]:
    """The Dask task: code one partition and write `parts/<id>/` (events, documents, manifest),
    atomically; a partition already written by a coder of `version` is left as it is."""
    from latticework.parallel import _code_one
    from latticework.store.core import Store, content_hash
    from latticework.tables import event_batches, event_record

    pid = part["id"]
    done = _manifest(out_dir, pid)
    if done is not None and done.get("coder_version") == version:
        return _summary(done, True)
    coder = worker_coder(data_dirs)
    if coder.version != version:
        raise ScaleError(f"worker on {socket.gethostname()} has coder {coder.version}, the run expects {version}: "
                         "install the same latticework and data on every worker")
    t0 = time.perf_counter()
    reader = _Reader(options["published"], options["language_check"], options["max_bytes"])
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    ids: list[str] = []
    for piece in part["pieces"]:
        for item in _read_piece(reader, piece):
            row: dict[str, Any] = {"seq": len(rows)}
            if isinstance(item, InputProblem):
                rows.append({**row, "kind": "problem", "origin": item.where, "error": item.message})
                continue
            ids.append(item.id)
            row.update({f: getattr(item, f) for f in _DOC_FIELDS})
            row["extra"] = json.dumps(item.extra, ensure_ascii=False) if item.extra else None
            row["content_hash"] = content_hash(item)
            result = _code_one(coder, item)
            try:
                if not isinstance(result, list):
                    raise result
                evs = [Store._prepare_event(e, item.id, n) for n, e in enumerate(result)]
                recs = [event_record({**e, "source": "text"}) for e in evs]
                for n, (e, r) in enumerate(zip(evs, recs, strict=True)):
                    if _event_from_record(r) != _comparable(json.loads(json.dumps(e, default=str))):
                        raise ValueError(f"event {n} does not fit the typed events schema (latticework.tables)")
            except Exception as exc:  # noqa: BLE001 - that document's failure, reported by the loader
                kind = getattr(exc, "kind", type(exc).__name__)
                rows.append({**row, "kind": "failed", "error_kind": kind, "error": getattr(exc, "message", str(exc))})
                continue
            rows.append({**row, "kind": "document", "n_events": len(evs)})
            events.extend(evs)
    seconds = time.perf_counter() - t0

    import pyarrow as pa

    parts = _parts_dir(out_dir)
    parts.mkdir(parents=True, exist_ok=True)
    tmp = parts / f".tmp-{pid}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        schema = _doc_schema()
        n_docs = _write_parquet(tmp / "documents.parquet", [pa.RecordBatch.from_pylist(rows, schema=schema)], schema)
        from latticework.tables import event_schema

        n_events = _write_parquet(tmp / "events.parquet", event_batches({**e, "source": "text"} for e in events),
                                  event_schema())
        manifest = {
            "format": FORMAT, "id": pid, "coder_version": version, "pieces": part["pieces"],
            "documents": sum(r["kind"] == "document" for r in rows), "failed": sum(r["kind"] == "failed" for r in rows),
            "problems": sum(r["kind"] == "problem" for r in rows), "events": n_events, "rows": n_docs, "ids": ids,
            "seconds": round(seconds, 3), "host": socket.gethostname(), "pid": os.getpid(),
        }
        with open(tmp / "manifest.json", "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_dir(tmp)
        final = parts / pid
        try:
            os.rename(tmp, final)
        except OSError:
            # Already there: another attempt finished first (same bytes), or an older coder wrote it.
            existing = _manifest(out_dir, pid)
            if existing is not None and existing.get("coder_version") == version:
                shutil.rmtree(tmp, ignore_errors=True)
                return _summary(existing, False)
            old = parts / f".old-{pid}-{uuid.uuid4().hex[:8]}"
            os.rename(final, old)
            os.rename(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        _fsync_dir(parts)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _summary(manifest, False)


# ------------------------------------------------------------------------------------------ the client side

@dataclass
class ScaleProgress:
    """Where a distributed run stands, passed to `progress` after each partition (and once at the start)."""

    partitions: int
    done: int  # finished partitions, those found done at the start included
    skipped: int  # found done at the start (a rerun)
    documents: int  # documents coded in this run
    events: int
    elapsed: float
    dashboard: str | None

    @property
    def docs_per_s(self) -> float:
        return self.documents / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class ScaleRun:
    """What `code_distributed` did."""

    out_dir: str
    coder_version: str
    partitions: int = 0
    coded: int = 0  # partitions coded by this run
    skipped: int = 0  # partitions already done before it
    documents: int = 0  # documents in the partitions coded by this run
    failed: int = 0
    problems: int = 0
    events: int = 0
    seconds: float = 0.0  # wall time of the coding (after the workers loaded the coder)
    workers: int = 0
    dashboard: str | None = None
    worker_pids: dict[str, int] = field(default_factory=dict)

    @property
    def docs_per_s(self) -> float:
        return self.documents / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        again = f" ({self.skipped} already done)" if self.skipped else ""
        return (f"{self.partitions} partitions{again}: coded {self.documents} documents into {self.events} events "
                f"with {self.workers} workers in {self.seconds:.1f} s ({self.docs_per_s:.1f} documents/s); "
                f"{self.problems + self.failed} problem(s); partitions in {self.out_dir}")


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_plan(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The plan.json of a run's output folder."""
    try:
        with open(Path(out_dir) / "plan.json", encoding="utf-8") as fh:
            plan: dict[str, Any] = json.load(fh)
    except FileNotFoundError:
        raise ScaleError(f"{out_dir}: no plan.json here (not the output of `latticework code --cluster`)") from None
    except (OSError, ValueError) as exc:
        raise ScaleError(f"{out_dir}/plan.json cannot be read: {exc}") from None
    if plan.get("format") != FORMAT:
        raise ScaleError(f"{out_dir}/plan.json has format {plan.get('format')!r}; this latticework reads {FORMAT}")
    return plan


#: Dask settings for coding workers: the workers' statistical profiler samples the coding thread
#: every 10 ms and took 5-15 % of a worker's throughput in bench/bench_scale.py; the dashboard loses its
#: profile page only. Remote workers get the same with DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False.
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


def local_cluster(workers: int, *, threads_per_worker: int = 1, memory_limit: str | int | None = None,
                  dashboard: bool = True, **kwargs: Any) -> Any:
    """The LocalCluster `--cluster local` starts: `workers` processes on loopback, one thread each,
    with WORKER_CONFIG; `kwargs` go to LocalCluster."""
    import logging

    import dask
    from distributed import LocalCluster

    options: dict[str, Any] = {"host": "127.0.0.1", "silence_logs": logging.ERROR,
                               "dashboard_address": ":8787" if dashboard else None,
                               "memory_limit": memory_limit if memory_limit is not None else "auto"}
    options.update(kwargs)
    with dask.config.set(WORKER_CONFIG):  # read by the nannies when they start their workers
        return LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=True, **options)


def _connect(cluster: Any, workers: int, threads_per_worker: int, memory_limit: str | int | None,
             dashboard: bool) -> tuple[Any, Any]:
    """(client, local cluster to close or None) for "local", a scheduler address, or a Client."""
    from distributed import Client

    if isinstance(cluster, Client):
        return cluster, None
    if cluster in (None, "local"):
        if workers < 1:
            raise ScaleError(f"--workers must be at least 1, not {workers}")
        local = local_cluster(workers, threads_per_worker=threads_per_worker, memory_limit=memory_limit,
                              dashboard=dashboard)
        return Client(local), local
    address = str(cluster)
    if not address.startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://", "ucx://")):
        raise ScaleError(f"--cluster {address!r}: use 'local' or a scheduler address such as tcp://HOST:8786")
    try:
        return Client(address, timeout="30s"), None
    except OSError as exc:
        raise ScaleError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _dashboard(client: Any) -> str | None:
    """The link of the scheduler's dashboard (served by bokeh), or None when there is none."""
    try:
        link = client.dashboard_link
    except Exception:  # noqa: BLE001 - no HTTP server on the scheduler
        return None
    return str(link) if link else None


def code_distributed(inputs: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str],
                     cluster: Any = "local", workers: int = 2, *, partition_size: int = DEFAULT_PARTITION,
                     published: str | None = None, language_check: bool = True,
                     max_bytes: int = DEFAULT_MAX_BYTES, data_dirs: Sequence[str] = (),
                     threads_per_worker: int = 1, memory_limit: str | int | None = None, dashboard: bool = True,
                     progress: Callable[[ScaleProgress], None] | None = None,
                     wait_for_workers: float = 60.0) -> ScaleRun:
    """Code `inputs` on a Dask cluster into partitioned Parquet under `out_dir` (see the module docstring).

    `cluster`: "local" (a LocalCluster of `workers` processes on this machine, one thread each), a
    scheduler address ("tcp://HOST:8786"), or a `distributed.Client` (left open). Partitions already
    done by the same coder version are skipped, so rerunning an interrupted run finishes it; a
    worker that dies mid-partition costs that partition's work, which Dask runs again."""
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ScaleError(f"{out}: not a directory (with --cluster, -o names the folder of the partitions)")
    plan = plan_partitions(inputs, partition_size, published=published, language_check=language_check,
                           max_bytes=max_bytes)
    data = [os.path.abspath(d) for d in data_dirs]
    client, local = _connect(cluster, workers, threads_per_worker, memory_limit, dashboard)
    try:
        try:
            client.wait_for_workers(1, timeout=wait_for_workers)
        except (TimeoutError, OSError):
            raise ScaleError(f"no Dask worker joined the scheduler within {wait_for_workers:.0f} s") from None
        link = _dashboard(client) if dashboard or local is None else None
        # Every worker loads its coder now, side by side; their versions must agree.
        addrs = list(client.scheduler_info(n_workers=-1)["workers"])
        warm = [client.submit(_worker_version, data, workers=[a], allow_other_workers=False, pure=False,
                              key=f"latticework-load-{uuid.uuid4().hex[:8]}") for a in addrs]
        try:
            loaded = client.gather(warm)
        except Exception as exc:  # noqa: BLE001 - a worker that cannot build the coder
            raise ScaleError(f"a worker cannot load the coder: {type(exc).__name__}: {exc}") from None
        versions = sorted({w["version"] for w in loaded})
        if len(versions) > 1:
            raise ScaleError("workers run different coder versions (" + ", ".join(versions) + "): install the same "
                             "latticework and data on every worker")
        version = versions[0]
        run = ScaleRun(out_dir=str(out), coder_version=version, partitions=len(plan["partitions"]),
                       workers=len(addrs), dashboard=link,
                       worker_pids={a: w["pid"] for a, w in zip(addrs, loaded, strict=True)})
        out.mkdir(parents=True, exist_ok=True)
        _parts_dir(out).mkdir(exist_ok=True)
        _write_json(out / "plan.json", {**plan, "data_dirs": data})
        todo = []
        for part in plan["partitions"]:
            found = _manifest(out, part["id"])
            if found is not None and found.get("coder_version") == version:
                run.skipped += 1
            else:
                todo.append(part)
        t0 = time.perf_counter()

        def tell() -> None:
            if progress:
                progress(ScaleProgress(run.partitions, run.skipped + run.coded, run.skipped, run.documents,
                                       run.events, time.perf_counter() - t0, link))

        tell()
        token = uuid.uuid4().hex[:8]
        futures = client.map(code_partition, todo, out_dir=str(out.resolve()), options=plan["options"],
                             data_dirs=data, version=version, pure=False, retries=1,
                             key=[f"latticework-code-{p['id']}-{token}" for p in todo])
        try:
            for fut in as_completed(futures):
                try:
                    s = fut.result()
                except FutureCancelledError:
                    raise ScaleError("the run was cancelled on the cluster") from None
                except Exception as exc:
                    name = type(exc).__name__
                    hint = " (a worker died on it each time it ran: out of memory?)" if name == "KilledWorker" else ""
                    raise ScaleError(f"a partition failed{hint}: {name}: {exc}") from None
                run.coded += 1
                run.documents += s["documents"] + s["failed"]
                run.failed += s["failed"]
                run.problems += s["problems"]
                run.events += s["events"]
                tell()
        finally:
            client.cancel([f for f in futures if not f.done()])
        run.seconds = time.perf_counter() - t0
        for stale in _parts_dir(out).glob(".tmp-*"):  # attempts whose worker died before renaming
            if stale.name[5:].rsplit("-", 1)[0] in {p["id"] for p in plan["partitions"]}:
                shutil.rmtree(stale, ignore_errors=True)
        return run
    finally:
        if client is not cluster:  # ours: a LocalCluster we started, or a connection we opened
            client.close()
        if local is not None:
            local.close()


# ------------------------------------------------------------------------------------------ reading the output

def _check_done(out_dir: str | os.PathLike[str], plan: dict[str, Any]) -> str:
    """The coder version of a complete run; ScaleError naming what is missing otherwise."""
    versions: set[str] = set()
    missing = 0
    for part in plan["partitions"]:
        found = _manifest(out_dir, part["id"])
        if found is None:
            missing += 1
        else:
            versions.add(found["coder_version"])
    if missing:
        raise ScaleError(f"{missing} of {len(plan['partitions'])} partitions in {out_dir} are not coded yet: "
                         "run the same `code --cluster` again to finish them")
    if len(versions) > 1:
        raise ScaleError(f"the partitions in {out_dir} were coded by different coder versions "
                         f"({', '.join(sorted(versions))}): run `code --cluster` again to recode the old ones")
    return versions.pop() if versions else ""


def partition_items(out_dir: str | os.PathLike[str], pid: str) -> Iterator[tuple[Document | InputProblem, Any]]:
    """One partition's input items in order, as `CodingPool.code` yields them: (document, events),
    (document, CodingError) for a document the coder failed on, (InputProblem, None)."""
    import pyarrow.parquet as pq

    from latticework.parallel import CodingError
    from latticework.store.core import content_hash

    folder = _parts_dir(out_dir) / pid
    rows = pq.ParquetFile(folder / "documents.parquet").read().to_pylist()  # (read_table imports pandas)
    records = pq.ParquetFile(folder / "events.parquet").read().to_pylist()
    if sum(r["n_events"] or 0 for r in rows if r["kind"] == "document") != len(records):
        raise ScaleError(f"partition {pid} in {out_dir} is damaged (events do not match its documents): "
                         f"delete {folder} and run `code --cluster` again")
    at = 0
    for r in sorted(rows, key=lambda r: r["seq"]):
        if r["kind"] == "problem":
            yield InputProblem(r["origin"], r["error"]), None
            continue
        doc = Document(**{f: r[f] for f in _DOC_FIELDS}, extra=json.loads(r["extra"]) if r["extra"] else {})
        if content_hash(doc) != r["content_hash"]:
            raise ScaleError(f"partition {pid} in {out_dir} is damaged (document {doc.id!r} does not match its "
                             f"hash): delete {folder} and run `code --cluster` again")
        if r["kind"] == "failed":
            yield doc, CodingError(r["error_kind"] or "Error", r["error"] or "")
            continue
        n = r["n_events"] or 0
        yield doc, [_event_from_record(rec) for rec in records[at:at + n]]
        at += n


def run_items(out_dir: str | os.PathLike[str],
              plan: dict[str, Any] | None = None) -> Iterator[tuple[Document | InputProblem, Any]]:
    """Every partition's items in input order, with ids unique across the whole run (a later document
    with an id already read becomes the same problem as in `read_documents`): what a load stores."""
    plan = plan or read_plan(out_dir)
    opts = plan["options"]
    reader = _Reader(opts["published"], opts["language_check"], opts["max_bytes"])
    for part in plan["partitions"]:
        for item, result in partition_items(out_dir, part["id"]):
            if isinstance(item, Document):
                again = reader._finish(item)  # the reader's checks pass again; a repeated id does not
                if isinstance(again, InputProblem):
                    yield again, None
                    continue
            yield item, result


def partition_problems(out_dir: str | os.PathLike[str]) -> Iterator[str]:
    """The problems of a complete run, one line each, in input order (as `code` reports them)."""
    plan = read_plan(out_dir)
    _check_done(out_dir, plan)
    from latticework.parallel import CodingError

    for item, result in run_items(out_dir, plan):
        if isinstance(item, InputProblem):
            yield str(item)
        elif isinstance(result, CodingError):
            yield f"{item.origin} (id {item.id}): coder failed: {result}".replace("\n", " ")


def load_partitions(store: Store, out_dir: str | os.PathLike[str], *, batch: int = 100, progress: bool = True,
                    on_problem: Callable[[str], None] | None = None, defer_clustering: bool = True) -> IngestReport:
    """Load a complete run's documents and events into `store` (Store.ingest_coded): in input order,
    `batch` documents per transaction (COPY on PostgreSQL), documents whose content hash is stored
    already skipped, reports clustered once at the end. Rerunning it changes nothing."""
    plan = read_plan(out_dir)
    version = _check_done(out_dir, plan)
    return store.ingest_coded(run_items(out_dir, plan), version, batch=batch, progress=progress,
                              inputs=plan["inputs"], on_problem=on_problem, defer_clustering=defer_clustering)
