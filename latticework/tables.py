"""Events as one typed table: the Arrow schema behind Parquet, CSV, `events_df` and `events_arrow`.

Why one schema: an analyst reads the same events through several doors (a Parquet file in DuckDB, a
CSV in a spreadsheet, a DataFrame in a notebook). If each door typed the columns its own way, the
same event would be a list in one, a ``"KOR;POL"`` string in another and the CAMEO code 072 the
number 72 in a third. So the columns, their types and their order are declared once here
(`COLUMNS`), every event dict goes through one conversion (`event_record`), and every writer builds
on that.

Columns, in order:

=================  ==============  ===========================================================
column             type            value
=================  ==============  ===========================================================
event_id           string          the event's id (a clustered event's id when the store clusters)
doc_id             string          the document the event was coded from (imports: their row id)
type, mode         string          ontology type and mode (ONTOLOGY.md)
actors, targets    list<string>    actor codes; `targets` is empty for symmetric and unilateral types
framework          string          grouping or programme code (QUAD, AUKUS, ...)
date               string          the EDTF value as coded (``2024``, ``2024-07``, ``2024-23``, ``2024-07-28``)
date_lo, date_hi   date32          first and last day the EDTF value covers (`intervals.to_interval`)
date_precision     string          ``day``, ``month``, ``season`` or ``year`` (`intervals.precision`)
status             string          ``occurred`` or ``planned``
hedged             bool            the report is qualified ("reportedly")
location           struct          ``{name: string, country: string}``; null when the text names no place
evidence           struct          ``{text: string, start: int64, end: int64}``: the sentence and its offsets
confidence         float64         0-1
cameo              string          closest CAMEO code, leading zeros kept (``072``)
source             string          ``text`` or the dataset an import came from (gdelt, icews, ...)
report_id          string          the representative report of a clustered event
provenance         string          coder, accepted, corrected or added (an analyst's correction), or the dataset
cluster_id         string          of a report (``--reports``): the event it belongs to
n_reports ...      int32           n_reports, n_documents, n_stories, n_sources of a clustered event
first_seen, ...    date32          first_seen, last_seen: first and last day the event was reported
extra              string          any other keys of the event dict, as one JSON object (sorted keys)
=================  ==============  ===========================================================

A value the dict lacks is null (the counts exist only once the store clusters reports). An undated
event, or a date the ontology's EDTF subset cannot read, has null date_lo, date_hi and
date_precision; its `date` string is kept as it is. Nothing is dropped: keys outside these columns
go, as JSON, into `extra`.

pyarrow and pandas are imported only when a table is built, so importing this module is cheap.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any

from latticework.intervals import precision, to_interval
from latticework.output import Format, csv_cell, destination, open_output, write_rows

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = [
    "BATCH_ROWS",
    "COLUMNS",
    "CSV_DTYPES",
    "csv_lines",
    "event_batches",
    "event_record",
    "event_schema",
    "events_arrow",
    "events_df",
    "events_table",
    "json_safe",
    "write_events",
    "write_events_csv",
    "write_events_parquet",
]

#: Rows per Parquet row group and per Arrow record batch: bounds the memory of an export.
BATCH_ROWS = 10_000

# (name, kind, description); kinds: str, list, date, bool, float, int, location, evidence, json
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "str", "the event's id"),
    ("doc_id", "str", "the document the event was coded from, or the row id of an import"),
    ("type", "str", "ontology event type (ONTOLOGY.md)"),
    ("mode", "str", "ontology mode of the type"),
    ("actors", "list", "actor codes that carry out the event"),
    ("targets", "list", "actor codes the event is directed at"),
    ("framework", "str", "grouping or programme the event belongs to"),
    ("date", "str", "EDTF date as coded"),
    ("date_lo", "date", "first day the EDTF date covers"),
    ("date_hi", "date", "last day the EDTF date covers"),
    ("date_precision", "str", "day, month, season or year"),
    ("status", "str", "occurred or planned"),
    ("hedged", "bool", "the report is qualified"),
    ("location", "location", "where the event happened"),
    ("evidence", "evidence", "the sentence that reports the event, with offsets into the document"),
    ("confidence", "float", "coder confidence 0-1"),
    ("cameo", "str", "closest CAMEO code, as text"),
    ("source", "str", "text, or the dataset of an import"),
    ("report_id", "str", "representative report of a clustered event"),
    ("provenance", "str", "coder, accepted, corrected, added, or the dataset of an import"),
    ("cluster_id", "str", "the event a report belongs to (report listings)"),
    ("n_reports", "int", "reports of the event"),
    ("n_documents", "int", "documents reporting the event"),
    ("n_stories", "int", "distinct stories (wire copies counted once)"),
    ("n_sources", "int", "distinct sources reporting the event"),
    ("first_seen", "date", "first day the event was reported"),
    ("last_seen", "date", "last day the event was reported"),
    ("extra", "json", "other fields of the event, as a JSON object"),
)
_NAMES = tuple(c[0] for c in COLUMNS)
_KNOWN = frozenset(_NAMES) - {"date_lo", "date_hi", "date_precision", "extra"}

#: dtype= for `pandas.read_csv` of an events CSV: pandas infers types without looking at quotes, so
#: without it codes such as CAMEO 072 become the number 72 (DuckDB's reader keeps quoted text as text).
CSV_DTYPES: dict[str, str] = {name: ("Int32" if kind == "int" else "boolean" if kind == "bool"
                                     else "float64" if kind == "float" else "str")
                              for name, kind, _ in COLUMNS if kind not in ("date",)}


@lru_cache(maxsize=1)
def event_schema() -> pa.Schema:
    """The Arrow schema of `COLUMNS` (field descriptions in each field's metadata)."""
    import pyarrow as pa

    kinds: dict[str, pa.DataType] = {
        "str": pa.string(), "list": pa.list_(pa.string()), "date": pa.date32(), "bool": pa.bool_(),
        "float": pa.float64(), "int": pa.int32(), "json": pa.string(),
        "location": pa.struct([("name", pa.string()), ("country", pa.string())]),
        "evidence": pa.struct([("text", pa.string()), ("start", pa.int64()), ("end", pa.int64())]),
    }
    fields = [pa.field(name, kinds[kind], metadata={"description": desc}) for name, kind, desc in COLUMNS]
    return pa.schema(fields, metadata={"latticework": "events", "columns": "see latticework/tables.py"})


# ------------------------------------------------------------------------------------------ one event

def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _codes(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):  # a single code, or a "JPN;PHL" string from an older export
        return [c for c in value.split(";") if c]
    return [str(c) for c in value if c is not None]


def _day(value: Any) -> date | None:
    """A date from a date, a datetime or an ISO text (its first ten characters); else None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def json_safe(value: Any) -> Any:
    """`value` with dates as ISO text and sets/tuples as lists: what json.dumps can write."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    return value


def event_record(ev: dict[str, Any]) -> dict[str, Any]:
    """One event dict (as `Store.iter_events` yields it) as plain Python values of `COLUMNS`."""
    span = to_interval(ev.get("date"))
    loc = ev.get("location")
    location = None
    if isinstance(loc, dict) and (loc.get("name") is not None or loc.get("country") is not None):
        location = {"name": _text(loc.get("name")), "country": _text(loc.get("country"))}
    evd = ev.get("evidence")
    evidence = None
    if isinstance(evd, dict) and any(evd.get(k) is not None for k in ("text", "start", "end")):
        evidence = {"text": _text(evd.get("text")), "start": _int(evd.get("start")), "end": _int(evd.get("end"))}
    hedged = ev.get("hedged")
    extra = {k: json_safe(v) for k, v in ev.items() if k not in _KNOWN}
    rec: dict[str, Any] = {
        "event_id": _text(ev.get("event_id")), "doc_id": _text(ev.get("doc_id")), "type": _text(ev.get("type")),
        "mode": _text(ev.get("mode")), "actors": _codes(ev.get("actors")), "targets": _codes(ev.get("targets")),
        "framework": _text(ev.get("framework")), "date": _text(ev.get("date")),
        "date_lo": span[0] if span else None, "date_hi": span[1] if span else None,
        "date_precision": precision(ev.get("date")) if span else None,
        "status": _text(ev.get("status")), "hedged": None if hedged is None else bool(hedged),
        "location": location, "evidence": evidence, "confidence": _float(ev.get("confidence")),
        "cameo": _text(ev.get("cameo")) or None, "source": _text(ev.get("source")),
        "report_id": _text(ev.get("report_id")),
        "provenance": _text(ev.get("provenance")), "cluster_id": _text(ev.get("cluster_id")),
        "n_reports": _int(ev.get("n_reports")), "n_documents": _int(ev.get("n_documents")),
        "n_stories": _int(ev.get("n_stories")), "n_sources": _int(ev.get("n_sources")),
        "first_seen": _day(ev.get("first_seen")), "last_seen": _day(ev.get("last_seen")),
        "extra": json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str) if extra else None,
    }
    return rec


# ------------------------------------------------------------------------------------------ Arrow

def event_batches(events: Iterable[dict[str, Any]], rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Record batches of at most `rows` events each, read from `events` once (one batch in memory)."""
    import pyarrow as pa

    schema = event_schema()
    chunk: list[dict[str, Any]] = []
    for ev in events:
        chunk.append(event_record(ev))
        if len(chunk) >= rows:
            yield pa.RecordBatch.from_pylist(chunk, schema=schema)
            chunk = []
    if chunk:
        yield pa.RecordBatch.from_pylist(chunk, schema=schema)


def events_table(events: Iterable[dict[str, Any]]) -> pa.Table:
    """Events as one Arrow table of `event_schema()` (an empty table when there are none)."""
    import pyarrow as pa

    return pa.Table.from_batches(list(event_batches(events)), schema=event_schema())


def write_events_parquet(events: Iterable[dict[str, Any]], out: str | os.PathLike[str] | IO[bytes]) -> int:
    """Stream events into a Parquet file, one row group per `BATCH_ROWS` events; returns the count.

    `out` is a path (written through `output.open_output`: complete or untouched) or a binary file."""
    import pyarrow.parquet as pq

    def write(fh: IO[bytes]) -> int:
        n = 0
        with pq.ParquetWriter(fh, event_schema(), compression="zstd") as writer:
            for batch in event_batches(events):
                writer.write_batch(batch, row_group_size=BATCH_ROWS)
                n += batch.num_rows
        return n

    if not isinstance(out, str | os.PathLike):
        return write(out)
    with open_output(out, binary=True) as bfh:
        return write(bfh)


# ------------------------------------------------------------------------------------------ CSV

def _csv_text(value: str) -> str:
    value = csv_cell(value)  # OWASP: no text cell may start a formula
    return '"' + value.replace('"', '""') + '"'


def _csv_value(kind: str, value: Any) -> str:
    """Every text cell quoted (so quote-aware readers keep 072 as text), numbers and booleans bare,
    and a null an empty, unquoted cell: never the text "None"."""
    if value is None:
        return ""
    if kind == "list":
        return _csv_text(";".join(value)) if value else ""
    if kind == "date":
        return value.isoformat()
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("int", "float"):
        return repr(value)
    if kind in ("location", "evidence"):
        return _csv_text(json.dumps(value, ensure_ascii=False))
    return _csv_text(str(value))


def csv_lines(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The header, then one CSV line (CRLF-terminated) per event, in the columns of `COLUMNS`.

    Lists are joined with ';', location and evidence are JSON objects, dates ISO days."""
    yield ",".join(_NAMES) + "\r\n"
    for ev in events:
        rec = event_record(ev)
        yield ",".join(_csv_value(kind, rec[name]) for name, kind, _ in COLUMNS) + "\r\n"


def write_events_csv(events: Iterable[dict[str, Any]], fh: IO[str]) -> int:
    """Stream events as CSV into a text file; returns the number of events written."""
    lines = csv_lines(events)
    fh.write(next(lines))
    n = 0
    for line in lines:
        fh.write(line)
        n += 1
    return n


# ------------------------------------------------------------------------------------------ writers

def write_events(events: Iterable[dict[str, Any]], fmt: Format | str, out: str | None = None) -> None:
    """Events in a listing format: parquet and csv typed by `COLUMNS`, table and jsonl as `write_rows`."""
    fmt = Format(fmt)
    if fmt is Format.parquet:
        if out is None:
            from latticework.output import OutputError

            raise OutputError("parquet output needs -o FILE (it cannot go to a terminal)")
        write_events_parquet(events, out)
    elif fmt is Format.csv:
        with destination(out) as fh:
            write_events_csv(events, fh)
    else:
        write_rows(events, fmt, out)


# ------------------------------------------------------------------------------------------ Python API

def events_arrow(db_url_or_store: Any = None, **filters: Any) -> pa.Table:
    """Stored events as an Arrow table of `event_schema()`.

    `db_url_or_store`: an open `Store` (left open), a database URL or SQLite path, or None for
    $LATTICEWORK_DB / ./latticework.db. `filters` are passed to `Store.iter_events` as they are
    (actor, with_, type, mode, framework, since, until, status, source, text, limit, ...)."""
    from latticework.store import Store

    if isinstance(db_url_or_store, Store):
        return events_table(db_url_or_store.iter_events(**filters))
    with Store(db_url_or_store, create=False) as store:
        return events_table(store.iter_events(**filters))


def _pandas_type(t: pa.DataType) -> Any:
    import pandas as pd
    import pyarrow as pa

    if t == pa.int32():
        return pd.Int32Dtype()
    if t == pa.int64():
        return pd.Int64Dtype()
    if t == pa.bool_():
        return pd.BooleanDtype()
    return None


def events_df(db_url_or_store: Any = None, **filters: Any) -> pd.DataFrame:
    """`events_arrow` as a pandas DataFrame: dates as datetime64, counts as nullable Int32, hedged
    as nullable boolean, actors/targets as arrays of codes (`df.explode("actors")`), location and
    evidence as dicts."""
    table = events_arrow(db_url_or_store, **filters)
    return table.to_pandas(types_mapper=_pandas_type, date_as_object=False)
