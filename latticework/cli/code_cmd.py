"""`latticework code` and `latticework eval`.

`run_code` is the library function behind `code`: it owns the run's guarantees (stream, report each
bad document on one line, never lose an existing output file) so the Typer function stays thin.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import typer

from latticework.cli.app import app
from latticework.cli.scale_cli import DEFAULT_PARTITION, ClusterOpt, PartitionOpt, WorkersOpt, code_on_cluster
from latticework.ingest import InputProblem, read_documents
from latticework.output import OutputError, destination, terminal_line


class StrictStop(Exception):
    """--strict: the first problem ends the run."""


@dataclass
class CodeRun:
    """What one `code` run did, for the exit code and the closing summary."""

    documents: int = 0
    events: int = 0
    problems: int = 0
    stopped: bool = False


def _check_date(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None
    return value


def run_code(inputs: list[str], out: str | None, published: str | None = None, strict: bool = False,
             report: Callable[[str], None] = print, progress: Callable[[int, int], None] | None = None,
             language_check: bool = True, data_dirs: list[str] | None = None, jobs: int = 1) -> CodeRun:
    """Code every document of `inputs` and write one event per line to `out` (stdout when None).

    A regular `out` is written to a temporary file beside it that replaces it only at the end, so an
    existing file survives a crash or a --strict stop intact (latticework.output.open_output). Each
    bad document, and each one the coder fails on, is passed to `report` as one line and the run goes on (unless `strict`).

    With `jobs` > 1, that many worker processes code the documents (latticework.parallel) while this
    process reads the input and writes the output; the output is the same, line for line."""
    from latticework.parallel import CodingError, CodingPool

    run = CodeRun()

    def problem(line: str) -> None:
        run.problems += 1
        report(line)
        if strict:
            raise StrictStop(line)

    with CodingPool(jobs, data_dirs or []) as pool:
        pool.version  # noqa: B018 - load the coder (or start the workers) before touching the output
        try:
            with destination(out) as fh:
                items = read_documents(inputs, published=published, language_check=language_check)
                for doc, result in pool.code(items):
                    if isinstance(doc, InputProblem):
                        problem(str(doc))
                        continue
                    if isinstance(result, CodingError) or result is None:  # a coder bug on one document must not end the run
                        problem(f"{doc.origin} (id {doc.id}): coder failed: {result}".replace("\n", " "))
                        continue
                    events: list[dict[str, Any]] = result
                    run.documents += 1
                    for event in events:
                        fh.write(json.dumps(event, ensure_ascii=False) + "\n")
                    run.events += len(events)
                    if progress:
                        progress(run.documents, run.events)
        except StrictStop:
            run.stopped = True
    return run


@app.command("code")
def code_command(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...",
                                       help="JSONL, .txt or .html files (optionally .gz), directories, or - for stdin."),
    out: str | None = typer.Option(None, "-o", "--out", help="Events JSONL to write (default: standard output)."),
    published: str | None = typer.Option(None, "--published", help="Anchor date for documents without one (YYYY-MM-DD)."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first bad document."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    no_language_check: bool = typer.Option(False, "--no-language-check", help="Code documents that do not look English."),
    data: list[str] = typer.Option([], "--data", metavar="DIR",
                                   help="Extra dictionary folder (aliases.tsv, officials.tsv, ...) on top of the shipped ones; repeatable."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1,
                                    help="Coding processes (default: every core); 1 codes in this process."),
    cluster: ClusterOpt = None,
    workers: WorkersOpt = 2,
    partition_size: PartitionOpt = DEFAULT_PARTITION,
) -> None:
    """Code documents into defence-cooperation events, one JSON object per line; with --cluster, into
    one Parquet file of typed events per partition in the folder -o names (docs/scale.md)."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from latticework.parallel import CodingPoolError, default_jobs

    _check_date(published)
    if cluster is not None:
        code_on_cluster(inputs, out, cluster, workers, partition_size=partition_size, published=published,
                        strict=strict, language_check=not no_language_check, data=data, quiet=quiet)
        return
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    show = not quiet and console.is_terminal
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True, disable=not show) as bar:
        task = bar.add_task("coding", total=None)
        try:
            run = run_code(
                inputs, out, published=published, strict=strict,
                report=lambda line: console.print(terminal_line(line), markup=False, highlight=False),
                progress=lambda d, e: bar.update(task, description=f"coded {d} documents, {e} events"),
                language_check=not no_language_check, data_dirs=data, jobs=jobs or default_jobs())
        except (OutputError, CodingPoolError) as e:
            console.print(f"error: {e}", markup=False)
            raise typer.Exit(2) from None
        except OSError as e:  # e.g. the disk filled up while writing; the old output is intact
            console.print(f"error: writing {out or 'standard output'} failed: {e.strerror or e}", markup=False)
            raise typer.Exit(2) from None
    if not quiet:
        where = out or "standard output"
        verb = "stopped after" if run.stopped else "coded"
        console.print(f"{verb} {run.documents} documents: {run.events} events to {where}; "
                      f"{run.problems} problem(s)", markup=False)
    if run.problems:
        raise typer.Exit(1)


@app.command("eval")
def eval_command(
    gold: str = typer.Argument(..., help="Gold JSONL: one line per document with its events."),
    pred: str | None = typer.Argument(None, help="Predicted events JSONL; omit to code --docs first."),
    docs: str | None = typer.Option(None, "--docs", help="The documents: checks evidence offsets, or is coded when PRED is absent."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (all numbers and lists)."),
    show: int = typer.Option(20, "--show", help="How many missed and spurious events to list (text output)."),
) -> None:
    """Score events against a gold file: reference numbers, per-type scores, missed and spurious events."""
    from latticework.evaluate import EvalInputError, evaluate, event_rows, summary_lines, type_rows
    from latticework.output import write_rows

    problems: list[str] = []
    try:
        result = evaluate(gold, pred, docs, problems=problems)
    except EvalInputError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    for line in problems:
        typer.echo(line, err=True)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo("\n".join(summary_lines(result)))
    write_rows(type_rows(result), "table", title="per type (lenient; strict F1 last)")
    for key, title in (("missed", "missed required gold events"), ("spurious", "spurious predictions")):
        rows = result[key]
        if rows:
            more = f" (first {show} of {len(rows)})" if len(rows) > show else ""
            write_rows(event_rows(rows[:show]), "table", title=f"{title}{more}")
