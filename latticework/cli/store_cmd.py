"""`latticework ingest | recode | events | actors | show | stats`: thin wrappers over latticework.store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from latticework.cli.app import app
from latticework.cli.checks import check_any_mode, check_filters, check_status, check_type, need_file
from latticework.cli.network_cmd import date_bound
from latticework.cli.scale_cli import (
    DEFAULT_PARTITION,
    ClusterOpt,
    PartitionOpt,
    PartsOpt,
    WorkersOpt,
    ingest_on_cluster,
)
from latticework.output import Format, OutputError, terminal_line, write_rows
from latticework.tables import write_events

DbOpt = Annotated[str | None, typer.Option("--db", envvar="LATTICEWORK_DB",
                                           help="Database URL or SQLite file path (default ./latticework.db).")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", "-j", min=1, help="Coding processes (default: every core); 1 codes in this process.")]
DataOpt = Annotated[list[str], typer.Option(
    "--data", metavar="DIR",
    help="Extra dictionary folder (aliases.tsv, officials.tsv, ...) on top of the shipped ones; repeatable.")]
OutOpt = Annotated[str | None, typer.Option("--output", "-o", help="Write to FILE instead of standard output.")]


def _err(msg: str) -> None:
    print(terminal_line(msg), file=sys.stderr, flush=True)  # messages quote stored text: keep them inert


@contextmanager
def _writing(output: str | None) -> Iterator[None]:
    """An output that cannot be written (no such folder, a directory, parquet to a terminal, a full disk)
    is one line on stderr and exit code 2; an existing file at `output` is left as it was."""
    try:
        yield
    except OutputError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(2) from None
    except OSError as exc:
        _err(f"error: writing {output or 'standard output'} failed: {exc.strerror or exc}")
        raise typer.Exit(2) from None


@contextmanager
def _store(db: str | None, create: bool) -> Iterator:
    """Open the store; any StoreError (or a coder that cannot load) becomes one line on stderr, exit code 2."""
    from latticework.store import Store, StoreError

    try:
        with Store(db, create=create) as store:
            yield store
    except StoreError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(2) from None
    except RuntimeError as exc:  # the coding pool's errors, without importing it for every command
        from latticework.parallel import CodingPoolError

        if not isinstance(exc, CodingPoolError):
            raise
        _err(f"error: {exc}")
        raise typer.Exit(2) from None


@app.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(
        help="JSONL, Parquet, .txt, .html, directories, .gz files, or - for stdin.")],
    db: DbOpt = None,
    published: Annotated[str | None, typer.Option(help="Publication date for documents that carry none.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    strict: Annotated[bool, typer.Option(help="Stop at the first problem (work before it stays stored).")] = False,
    batch: Annotated[int, typer.Option(min=1, help="Documents per transaction.")] = 100,
    jobs: JobsOpt = None,
    data: DataOpt = [],  # noqa: B006 - Typer reads the default, never mutates it
    cluster: ClusterOpt = None,
    workers: WorkersOpt = 2,
    partition_size: PartitionOpt = DEFAULT_PARTITION,
    parts: PartsOpt = None,
) -> None:
    """Code documents and store them with their events; rerunning skips documents already stored.

    With --cluster the documents are coded on Dask workers, then loaded here in input order: the store
    ends up as without it (docs/scale.md)."""
    from latticework.parallel import default_jobs
    from latticework.scale import read_inputs

    with _store(db, create=True) as store:
        try:
            if cluster is not None:
                report = ingest_on_cluster(store, inputs, parts, cluster, workers, partition_size=partition_size,
                                           published=published, strict=strict, data=data, quiet=quiet,
                                           batch=batch, on_problem=_err)
            else:
                report = store.ingest(read_inputs(inputs, published), jobs=jobs or default_jobs(), data_dirs=data,
                                      progress=not quiet, batch=batch, strict=strict, inputs=inputs,
                                      on_problem=_err)
        except KeyboardInterrupt:
            _err("interrupted: committed batches are kept; run the same command again to finish")
            raise typer.Exit(130) from None
    if not quiet:
        _err(report.summary())
    raise typer.Exit(1 if report.problems else 0)


@app.command()
def recode(
    db: DbOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    jobs: JobsOpt = None,
    data: DataOpt = [],  # noqa: B006 - Typer reads the default, never mutates it
) -> None:
    """Re-code stored documents whose events came from an older coder version, and report the changes."""
    from latticework.parallel import default_jobs

    with _store(db, create=False) as store:
        report = store.recode(jobs=jobs or default_jobs(), data_dirs=data, progress=not quiet)
    for p in report.problems:
        _err(p)
    print(report.summary())
    raise typer.Exit(1 if report.problems else 0)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


EVENT_COLUMNS = ["event_id", "date", "type", "mode", "actors", "targets", "framework", "status", "hedged",
                 "source", "doc_id", "evidence"]


@app.command()
def events(
    db: DbOpt = None,
    actor: Annotated[str | None, typer.Option(help="Events in which this actor code takes part.")] = None,
    with_: Annotated[str | None, typer.Option("--with", help="…and this second actor (a dyad).")] = None,
    type: Annotated[str | None, typer.Option("--type", help="Event type, e.g. CONSULT.", callback=check_type)] = None,
    mode: Annotated[str | None, typer.Option(help="Event mode, e.g. exercise.", callback=check_any_mode)] = None,
    framework: Annotated[str | None, typer.Option(help="Framework code, e.g. QUAD.")] = None,
    since: Annotated[str | None, typer.Option(help="On or after this date (YYYY[-MM[-DD]]).",
                                              callback=date_bound)] = None,
    until: Annotated[str | None, typer.Option(help="On or before this date (YYYY[-MM[-DD]]).",
                                              callback=date_bound)] = None,
    status: Annotated[str | None, typer.Option(help="occurred or planned.", callback=check_status)] = None,
    source: Annotated[str | None, typer.Option(help="text, a dataset (gdelt, icews…) or a document source.")] = None,
    text: Annotated[str | None, typer.Option(help="Words to find in the evidence (case-insensitive).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many events.")] = None,
    reports: Annotated[bool, typer.Option("--reports", help="One row per coded report, not per event.")] = False,
    min_sources: Annotated[int | None, typer.Option("--min-sources", min=1,
                                                    help="Events reported by at least N distinct sources.")] = None,
    fmt: FormatOpt = Format.table,
    output: OutOpt = None,
) -> None:
    """List stored events that match every given filter: one row per event (the reports of one event by
    several documents and outlets are clustered), or per report with --reports."""
    from latticework.store import StoreError

    need_file(fmt, output)
    with _store(db, create=False) as store, _writing(output):
        check_filters(store, actor=actor, with_=with_, type=type, mode=mode)
        rows = store.iter_events(actor=actor, with_=with_, type=type, mode=mode, framework=framework,
                                 since=since, until=until, status=status, source=source, text=text, limit=limit,
                                 reports=reports, min_sources=min_sources)
        try:
            if fmt is Format.table:
                # a table a person can read in a terminal; csv/jsonl/parquet keep every field
                compact = [{"id": r["event_id"][:8], "date": r.get("date") or "",
                            "event": f"{r['type']}/{r.get('mode') or ''}",
                            "actors": " ".join(r.get("actors") or []), "targets": " ".join(r.get("targets") or []),
                            **({} if reports else {"src": r.get("n_sources")}),
                            "status": ("planned" if r.get("status") == "planned" else "")
                            + (" hedged" if r.get("hedged") else ""),
                            "evidence": _short((r.get("evidence") or {}).get("text") or "", 90)} for r in rows]
                write_rows(compact, fmt, output, title=f"{len(compact)} {'reports' if reports else 'events'}")
            else:
                write_events(rows, fmt, output)  # streamed, typed columns (latticework.tables)
        except StoreError as exc:
            _err(f"error: {exc}")
            raise typer.Exit(2) from None


@app.command()
def actors(db: DbOpt = None, fmt: FormatOpt = Format.table, output: OutOpt = None) -> None:
    """Who appears in the stored events, how often, and with whom."""
    need_file(fmt, output)
    with _store(db, create=False) as store:
        rows = store.actors()
    with _writing(output):
        write_rows(rows, fmt, output, title=f"{len(rows)} actors",
                   columns=["code", "name", "kind", "events", "partners", "with"])


@app.command()
def show(
    event_id: Annotated[str, typer.Argument(help="An event's or report's id, or a unique prefix of one "
                                                 "(see `latticework events`).")],
    db: DbOpt = None,
    context: Annotated[int, typer.Option(min=0, help="Characters of document text around the evidence.")] = 400,
) -> None:
    """One event: its fields, its evidence highlighted in the document's text, the document's metadata."""
    from latticework.store import StoreError
    from latticework.store.render import render_event

    with _store(db, create=False) as store:
        try:
            ev = store.get_event(event_id)
        except StoreError as exc:
            _err(f"error: {exc}")
            raise typer.Exit(2) from None
    if ev is None:
        _err(f"error: no event {event_id!r} in the database")
        raise typer.Exit(1)
    render_event(ev, context=context)


@app.command()
def stats(db: DbOpt = None, fmt: FormatOpt = Format.table, output: OutOpt = None) -> None:
    """Counts by type, month, actor and source: a first look at the store."""
    from latticework.store.render import stats_rows

    need_file(fmt, output)
    with _store(db, create=False) as store:
        rows = stats_rows(store.stats())
    with _writing(output):
        write_rows(rows, fmt, output, title="latticework store", columns=["group", "key", "count"])
