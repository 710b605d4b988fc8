"""`latticework network | report | export | import`: thin wrappers over network, report and interchange."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer

from latticework.cli.app import app
from latticework.cli.checks import check_status

DbOpt = Annotated[str | None, typer.Option("--db", envvar="LATTICEWORK_DB",
                                           help="Database URL or SQLite file path (default ./latticework.db).")]


def date_bound(param: typer.CallbackParam, value: str | None) -> str | None:
    """Typer callback for --since/--until: the whole value must be a date (latticework.validate), else
    one line naming the option on stderr and exit code 2, before anything is opened."""
    from latticework.validate import date_option

    try:
        return date_option(f"--{(param.name or 'date').replace('_', '-')}", value)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


SinceOpt = Annotated[str | None, typer.Option(help="Window start (YYYY[-MM[-DD]]).", callback=date_bound)]
UntilOpt = Annotated[str | None, typer.Option(help="Window end, inclusive (YYYY[-MM[-DD]]).", callback=date_bound)]
RegionOpt = Annotated[str | None, typer.Option(help="Only actors of these regions (comma-separated; see "
                                                    "latticework/data/regions.tsv).")]
SourceOpt = Annotated[str | None, typer.Option(help="Only events of this source (text, gdelt, icews, polecat, dcad).")]
StatusOpt = Annotated[str | None, typer.Option(help="Only occurred or only planned events (default: both).",
                                                callback=check_status)]


class GraphFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    gexf_dynamic = "gexf-dynamic"
    json = "json"
    csv = "csv"


class ExportFormat(StrEnum):
    plover = "plover"
    polecat = "polecat"
    gdelt = "gdelt"


class Dataset(StrEnum):
    gdelt = "gdelt"
    icews = "icews"
    polecat = "polecat"
    dcad = "dcad"


@contextmanager
def _guard(db: str | None, create: bool = False) -> Iterator[Any]:
    """Open the store; every expected error becomes one line on stderr and exit code 2."""
    from latticework.interchange import InterchangeError
    from latticework.network import NetworkError
    from latticework.store import Store, StoreError

    try:
        with Store(db, create=create) as store:
            yield store
    except (StoreError, NetworkError, InterchangeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


def _actors(region: str | None) -> list[str] | None:
    from latticework.network import region_actors

    return region_actors(region) if region else None


@app.command()
def network(
    since: SinceOpt = None, until: UntilOpt = None, region: RegionOpt = None,
    fmt: Annotated[GraphFormat, typer.Option("--format", "-f", help="graphml/gexf (Gephi), gexf-dynamic (Gephi's "
                                                                     "timeline: rolling windows), json (D3 node-link), "
                                                                     "csv (ties).")] = GraphFormat.graphml,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")] = None,
    window: Annotated[int, typer.Option(min=1, help="gexf-dynamic: months per window.")] = 12,
    step: Annotated[int, typer.Option(min=1, help="gexf-dynamic: months between window starts.")] = 1,
    source: SourceOpt = None, status: StatusOpt = None, db: DbOpt = None,
) -> None:
    """The alliance network of a window, with every node measure, for Gephi, D3 or a spreadsheet.

    Edge `weight` is the cooperation strength (never negative); `net` is the signed value."""
    from latticework.network import build_network, export_network, load_events

    with _guard(db) as store:
        events = load_events(store, since, until, source=source, status=status)
        net = build_network(events, since, until, _actors(region))
        text = export_network(net, fmt.value, output, window=window, step=step)
    if text is not None:
        sys.stdout.write(text)


@app.command()
def report(
    output: Annotated[str, typer.Option("--output", "-o", help="report.html or report.md")],
    since: SinceOpt = None, until: UntilOpt = None, region: RegionOpt = None,
    window_months: Annotated[int, typer.Option(min=1, help="Months per window of the time series.")] = 3,
    draws: Annotated[int, typer.Option(min=1, help="Null-model draws per claim test (see docs/network.md).")] = 500,
    seed: Annotated[int, typer.Option(help="Seed of the null models (same seed, same p-values).")] = 0,
    source: SourceOpt = None, status: StatusOpt = None, db: DbOpt = None,
) -> None:
    """A self-contained HTML (or Markdown) report: network, hubs, blocs, balance, series, claims, evidence.

    Each claim is tested against a null model and held to minimums of evidence: supported, not
    supported, or not enough evidence."""
    from latticework.network import load_events
    from latticework.report import write_report

    with _guard(db) as store:
        events = load_events(store, since, until, source=source, status=status)
        data = write_report(events, output, since, until, window_months, _actors(region), draws=draws, seed=seed)
    for c in data["claims"]:
        print(f"{c['verdict']:>19}: {c['title']} (p = {c['test']['p_value']:.3g})", file=sys.stderr)


@app.command("export")
def export_cmd(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="plover (PLOVER 0.8 JSONL), polecat (TSV), "
                                                                      "gdelt (CAMEO table with GDELT column names).")],
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")] = None,
    since: SinceOpt = None, until: UntilOpt = None, source: SourceOpt = None, db: DbOpt = None,
) -> None:
    """Export stored events for other event-data tools."""
    from latticework.interchange import export_events
    from latticework.network import load_events

    with _guard(db) as store:
        events = load_events(store, since, until, source=source)
        if output:
            from latticework.output import open_output

            with open_output(output) as fh:  # complete or untouched; devices, pipes and symlinks written through
                n = export_events(events, fmt.value, fh)
        else:
            try:
                n = export_events(events, fmt.value, sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
                import os

                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise typer.Exit(0) from None
    print(f"exported {n} {fmt.value} records", file=sys.stderr)


_IMPORT_HELP = (
    "Import events from the field's datasets; they keep their source and never mix with text-coded ones.\n\n"
    "GDELT and ICEWS rows are kept when their CAMEO code maps onto the ontology and, unless --all, they are in a "
    "defence context: a code about armed force by itself (062, 072, 138, 15x...) or a military or security actor "
    "(GDELT actor type MIL or SPY, NATO; ICEWS military, defence or intelligence sectors). See docs/import.md.\n\n"
    "A summary on stderr ends every import: the events imported, then one line per reason rows were set aside.\n\n"
    "Exit status: 0 when every row was read, even if the filter set rows aside; 1 when malformed rows were "
    "skipped (each named on stderr as FILE:LINE; the good rows around them are stored); 2 when a file could not "
    "be read at all (missing, or not that dataset)."
)


@app.command("import", help=_IMPORT_HELP)
def import_cmd(
    dataset: Annotated[Dataset, typer.Argument(help="gdelt, icews, polecat or dcad")],
    files: Annotated[list[str], typer.Argument(help="Data files in that dataset's own layout: plain, .gz, or a "
                                                    ".zip holding one file (told by content); - reads stdin.")],
    all_rows: Annotated[bool, typer.Option("--all", help="GDELT/ICEWS: keep rows outside a defence context too "
                                                         "(the defence filter is on by default).")] = False,
    db: DbOpt = None,
) -> None:
    """Import dataset files into the store (help: _IMPORT_HELP)."""
    from latticework.interchange import ImportReport, import_files

    report = ImportReport()
    with _guard(db, create=True) as store:
        import_files(store, dataset.value, files, defence_only=not all_rows, report=report)
    for line in report.lines(dataset.value):
        print(line, file=sys.stderr)
    if report.malformed:
        raise typer.Exit(1)
