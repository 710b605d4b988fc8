"""Tabular output shared by every listing command: table, csv, jsonl or parquet."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Any


class Format(str, Enum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else ";".join(map(str, value))
    return value


def write_rows(rows: Sequence[dict[str, Any]], fmt: Format | str = Format.table, out: str | Path | None = None,
               title: str | None = None, columns: Sequence[str] | None = None) -> None:
    """Write rows (dicts) in the chosen format to `out` or standard output."""
    fmt = Format(fmt)
    cols = list(columns) if columns else list(dict.fromkeys(k for r in rows for k in r))
    if fmt is Format.parquet:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if out is None:
            raise ValueError("parquet output needs -o FILE")
        table = pa.Table.from_pylist([{c: _cell(r.get(c)) for c in cols} for r in rows])
        pq.write_table(table, str(out))
        return
    fh = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        if fmt is Format.jsonl:
            for r in rows:
                fh.write(json.dumps({c: r.get(c) for c in cols}, ensure_ascii=False) + "\n")
        elif fmt is Format.csv:
            w = csv.writer(fh)
            w.writerow(cols)
            for r in rows:
                w.writerow([_cell(r.get(c)) for c in cols])
        else:
            from rich.console import Console
            from rich.table import Table

            t = Table(title=title, show_lines=False)
            for c in cols:
                t.add_column(c, overflow="fold")
            for r in rows:
                t.add_row(*["" if r.get(c) is None else str(_cell(r.get(c))) for c in cols])
            Console(file=fh, width=200 if out else None).print(t)
    finally:
        if out:
            fh.close()
