"""Coding in worker processes, results back in input order: the one pool behind `code`, `ingest`, `recode`.

How it works:
- the parent reads the input (workers never open input files) and sends documents to the workers in
  chunks; each worker builds its coder once, in the pool's initializer, from the same `data_dirs`;
- at most `ahead` chunks are in flight, so memory stays bounded whatever the input size;
- results come back chunk by chunk in the order the chunks were sent, so the output of N workers is
  the output of one, event for event (the coder is deterministic);
- items that are not `Document`s (an `InputProblem`, a caller's marker) travel through the same queue
  without being coded and come out in their place, so callers keep their per-line bookkeeping;
- a coder exception on one document comes back as a `CodingError` value for that document, so one bad
  document never loses the chunk around it;
- `jobs=1` codes in this process with the same interface, so callers have a single code path.

Workers are started with the 'spawn' method (no inherited threads, locks or database connections) and
ignore SIGINT: Ctrl-C reaches the parent, which stops sending work and shuts the pool down.

This module is light on purpose: the coder (and spaCy) is imported only where a coder is built.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeAlias, TypeVar

from latticework.ingest import Document
from latticework.protocols import EventCoder

DEFAULT_CHUNK = 16  # documents per task: ~0.1 s of coding, large enough to hide the pickling round trip
_T = TypeVar("_T")
CoderFactory = Callable[[Sequence[str]], EventCoder]


def default_jobs() -> int:
    """The default for --jobs: every core of this machine."""
    return max(1, os.cpu_count() or 1)


class CodingError(Exception):
    """The coder failed on one document. Carries the original exception's type name and message
    (the original may have been raised in a worker process and need not be picklable)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message

    @classmethod
    def from_exception(cls, exc: BaseException) -> CodingError:
        return cls(type(exc).__name__, str(exc))

    def __reduce__(self) -> tuple:
        return (CodingError, (self.kind, self.message))


Result: TypeAlias = list[dict] | CodingError  # one document's outcome


class CodingPoolError(RuntimeError):
    """The pool cannot go on; the message is one line for the user."""


class CoderLoadError(CodingPoolError):
    """The coder could not be built, here or in a worker (e.g. a malformed dictionary file under --data)."""


class WorkerLost(CodingPoolError):
    """A worker process died (killed, out of memory); the documents it held were not coded."""


def build_coder(data_dirs: Sequence[str] = ()) -> EventCoder:
    """The default factory: the real coder with the shipped dictionaries plus `data_dirs`."""
    from latticework.coder import Coder

    return Coder(data_dirs=list(data_dirs))


def _code_one(coder: EventCoder, doc: Document) -> Result:
    try:
        return list(coder.code(doc))
    except Exception as exc:  # noqa: BLE001 - one document's failure is that document's result
        return CodingError.from_exception(exc)


# -- worker side -------------------------------------------------------------------------------

_worker_coder: EventCoder | None = None
_worker_failure: str | None = None


def _exit_with_parent() -> None:
    """A parent killed outright (kill -9, OOM) cannot shut the pool down: leave when it is gone,
    instead of waiting forever for work (the worker itself holds the task queue open)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="latticework-parent-watch", daemon=True).start()


def _init_worker(factory: CoderFactory, data_dirs: Sequence[str]) -> None:
    global _worker_coder, _worker_failure
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and shuts us down
    _exit_with_parent()
    try:
        _worker_coder = factory(data_dirs)
    except Exception as exc:  # noqa: BLE001 - reported to the parent by the first task
        _worker_failure = f"cannot load the coder: {type(exc).__name__}: {exc}"


def _worker() -> EventCoder:
    if _worker_coder is None:
        raise CoderLoadError(_worker_failure or "cannot load the coder")
    return _worker_coder


def _worker_version() -> str:
    return _worker().version


def _worker_code(docs: list[Document]) -> list[Result]:
    coder = _worker()
    return [_code_one(coder, doc) for doc in docs]


# -- parent side -------------------------------------------------------------------------------


class CodingPool:
    """Codes documents with `jobs` processes (1 = this process); use as a context manager.

    `coder` (only with jobs=1) is used as is; otherwise each process builds one with
    `factory(data_dirs)` (default: `latticework.coder.Coder(data_dirs=...)`). `factory` must be
    importable by name (a module-level function) because workers are spawned, not forked."""

    def __init__(self, jobs: int = 1, data_dirs: Sequence[str] = (), *, coder: EventCoder | None = None,
                 factory: CoderFactory = build_coder, chunk: int = DEFAULT_CHUNK, ahead: int | None = None) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        if chunk < 1:
            raise ValueError(f"chunk must be at least 1, not {chunk}")
        if coder is not None and jobs > 1:
            raise ValueError("a coder object cannot be shared with worker processes: pass jobs=1 with it, "
                             "or data_dirs/factory so that each worker builds its own")
        self.jobs = jobs
        self.data_dirs = [str(d) for d in data_dirs]
        self.factory = factory
        self.chunk = chunk
        self.ahead = ahead if ahead is not None else 2 * jobs
        self._coder = coder
        self._executor: ProcessPoolExecutor | None = None
        self._warmup: list[Future] = []
        self._version: str | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> CodingPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (a chunk being coded is finished first; queued ones are dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker, initargs=(self.factory, self.data_dirs))
            # One small task per worker: the pool starts a process per task while none is idle, so
            # every worker loads its coder now, side by side, instead of one after another later.
            self._warmup = [self._executor.submit(_worker_version) for _ in range(self.jobs)]
        return self._executor

    def _local(self) -> EventCoder:
        if self._coder is None:
            try:
                self._coder = self.factory(self.data_dirs)
            except Exception as exc:  # noqa: BLE001 - the same error whether built here or in a worker
                raise CoderLoadError(f"cannot load the coder: {type(exc).__name__}: {exc}") from exc
        return self._coder

    @property
    def version(self) -> str:
        """The coder's version (with workers: as reported by the first worker to load)."""
        if self._version is None:
            if self.jobs == 1:
                self._version = self._local().version
            else:
                self._pool()
                try:
                    self._version = self._warmup[0].result()
                except BrokenProcessPool as exc:
                    raise WorkerLost("a coding process died while loading the coder (out of memory?); "
                                     "try fewer --jobs") from exc
        return self._version

    # -- coding ----------------------------------------------------------------------------

    def code(self, items: Iterable[_T]) -> Iterator[tuple[_T, Result | None]]:
        """(item, events) for every item, in input order. A `Document`'s result is its list of events,
        or a `CodingError`; any other item passes through uncoded with None."""
        if self.jobs == 1:
            return self._code_here(items)
        return self._code_pooled(items)

    def _code_here(self, items: Iterable[_T]) -> Iterator[tuple[_T, Result | None]]:
        coder = self._local()
        for item in items:
            yield item, (_code_one(coder, item) if isinstance(item, Document) else None)

    def _code_pooled(self, items: Iterable[_T]) -> Iterator[tuple[_T, Result | None]]:
        pool = self._pool()
        self.version  # noqa: B018 - surfaces a worker's load failure before any work is sent
        window: deque[tuple[list[_T], Future | None]] = deque()

        def send(members: list[_T]) -> None:
            docs: list[Document] = [x for x in members if isinstance(x, Document)]
            window.append((members, pool.submit(_worker_code, docs) if docs else None))

        def ready() -> bool:
            fut = window[0][1]
            return fut is None or fut.done()

        def emit() -> Iterator[tuple[_T, Result | None]]:
            members, fut = window.popleft()
            try:
                results = iter(fut.result() if fut is not None else ())
            except BrokenProcessPool as exc:
                raise WorkerLost("a coding process died unexpectedly (killed, or out of memory?); "
                                 "try again, or with fewer --jobs") from exc
            for item in members:
                yield item, (next(results) if isinstance(item, Document) else None)

        members: list[_T] = []
        n_docs = 0
        try:
            for item in items:
                members.append(item)
                n_docs += isinstance(item, Document)
                # a chunk closes at `chunk` documents, or sooner when many uncoded items pile up
                if n_docs >= self.chunk or len(members) >= 4 * self.chunk:
                    send(members)
                    members, n_docs = [], 0
                    while window and (len(window) > self.ahead or ready()):
                        yield from emit()
            if members:
                send(members)
            while window:
                yield from emit()
        finally:
            for _, fut in window:  # the caller stopped early (--strict, an error): drop queued work
                if fut is not None:
                    fut.cancel()


def code_parallel(docs: Iterable[_T], jobs: int, data_dirs: Sequence[str] = (), *, chunk: int = DEFAULT_CHUNK,
                  factory: CoderFactory = build_coder) -> Iterator[tuple[_T, Result | None]]:
    """(doc, events) in input order, coded by `jobs` processes (1 = here); see `CodingPool.code`."""
    with CodingPool(jobs, data_dirs, factory=factory, chunk=chunk) as pool:
        yield from pool.code(docs)
