"""What `code --cluster` and `ingest --cluster` share: the options, the run with its progress bar, errors.

The bar shows partitions done out of all, documents coded per second since the workers were ready,
and the time; the Dask dashboard's link is printed before it (both on stderr, both silenced by --quiet).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from latticework.output import terminal_line
from latticework.scale import DEFAULT_PARTITION

__all__ = ["DEFAULT_PARTITION", "ClusterOpt", "PartitionOpt", "PartsOpt", "WorkersOpt", "code_on_cluster",
           "ingest_on_cluster"]

ClusterOpt = Annotated[str | None, typer.Option(
    "--cluster", metavar="local|tcp://HOST:8786",
    help="Code on Dask: 'local' starts --workers processes here; tcp://HOST:8786 uses a running scheduler "
         "(docs/scale.md).")]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, help="Worker processes of --cluster local.")]
PartitionOpt = Annotated[int, typer.Option("--partition-size", min=1,
                                           help="Documents per partition (one Dask task) with --cluster.")]
PartsOpt = Annotated[str | None, typer.Option(
    "--parts", metavar="DIR",
    help="With --cluster: folder for the coded partitions, on storage the workers share (kept, so a rerun "
         "skips what is coded); default with --cluster local: a temporary folder.")]


def cluster_problem(message: str) -> None:
    """One line on stderr, exit code 2."""
    typer.echo(terminal_line(f"error: {message}"), err=True)
    raise typer.Exit(2)


def check_cluster_inputs(inputs: list[str], strict: bool) -> None:
    if "-" in inputs:
        cluster_problem("standard input cannot be split over a cluster: give files or a directory")
    if strict:
        cluster_problem("--strict does not work with --cluster (partitions are coded side by side)")


def run_cluster(inputs: list[str], out_dir: str, cluster: str, workers: int, *, partition_size: int,
                published: str | None, language_check: bool, data: list[str], quiet: bool) -> Any:
    """code_distributed with a Rich progress bar on stderr; a ScaleError is one line and exit code 2."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from latticework.scale import ScaleError, ScaleProgress, code_distributed

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    with Progress(SpinnerColumn(), TextColumn("partitions"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=console, transient=False,
                  disable=quiet) as bar:
        task = bar.add_task("coding", total=None, rate="starting the workers")
        shown: list[str] = []

        def progress(p: ScaleProgress) -> None:
            if p.dashboard and not shown and not quiet:
                shown.append(p.dashboard)
                bar.console.print(f"Dask dashboard: {p.dashboard}", markup=False)
            bar.update(task, total=p.partitions, completed=p.done,
                       rate=f"{p.documents} documents, {p.docs_per_s:.1f}/s")

        try:
            return code_distributed(inputs, out_dir, cluster, workers, partition_size=partition_size,
                                    published=published, language_check=language_check, data_dirs=data,
                                    progress=progress)
        except ScaleError as exc:
            bar.stop()
            cluster_problem(str(exc))
        except OSError as exc:
            bar.stop()
            cluster_problem(f"writing the partitions in {out_dir} failed: {exc.strerror or exc}")
    raise AssertionError("unreachable")


def code_on_cluster(inputs: list[str], out: str | None, cluster: str, workers: int, *, partition_size: int,
                    published: str | None, strict: bool, language_check: bool, data: list[str], quiet: bool) -> None:
    """`latticework code --cluster`: partitions into the folder `out`, problems on stderr in input order;
    exit code 1 when there were problems, as without --cluster."""
    from latticework.scale import partition_problems

    check_cluster_inputs(inputs, strict)
    if out is None:
        cluster_problem("--cluster writes partitioned Parquet: name its folder with -o DIR")
    assert out is not None
    run = run_cluster(inputs, out, cluster, workers, partition_size=partition_size, published=published,
                      language_check=language_check, data=data, quiet=quiet)
    problems = 0
    for line in partition_problems(out):
        problems += 1
        typer.echo(terminal_line(line), err=True)
    if not quiet:
        typer.echo(run.summary(), err=True)
    if problems:
        raise typer.Exit(1)


def ingest_on_cluster(store: Any, inputs: list[str], parts: str | None, cluster: str, workers: int, *,
                      partition_size: int, published: str | None, strict: bool, data: list[str], quiet: bool,
                      batch: int, on_problem: Any) -> Any:
    """`latticework ingest --cluster`: code on the cluster into `parts`, then load them into `store`
    (Store.ingest_coded); returns the IngestReport. A temporary `parts` is removed after the load."""
    import tempfile

    from latticework.scale import ScaleError, load_partitions

    check_cluster_inputs(inputs, strict)
    if parts is None and cluster != "local":
        cluster_problem("--cluster with a scheduler needs --parts DIR on storage that the workers share")
    with tempfile.TemporaryDirectory(prefix="latticework-parts-") as tmp:
        folder = parts or tmp
        run = run_cluster(inputs, folder, cluster, workers, partition_size=partition_size, published=published,
                          language_check=True, data=data, quiet=quiet)
        if not quiet:
            typer.echo(run.summary(), err=True)
        try:
            return load_partitions(store, folder, batch=batch, progress=not quiet, on_problem=on_problem)
        except ScaleError as exc:
            cluster_problem(str(exc))
