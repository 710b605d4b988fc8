"""Output shared by every command: tabular rows (table, csv, jsonl, parquet), the one output-file
writer behind every `-o FILE`, and the functions that make stored text inert where it is shown.

Stored text (article titles, evidence, ids, actor codes) is untrusted. It is shown in three places,
each with its own rule: a terminal (`terminal_text`: control characters replaced, Rich markup never
parsed), a CSV/TSV file (`csv_cell`: the OWASP rule against formulas) and XML (`xml_text`: only
characters XML 1.0 allows). Markdown escaping lives in latticework.report.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import IO, Any


class Format(str, Enum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


class OutputError(OSError):
    """The output file cannot be written; the message names it and fits on one line."""


# --------------------------------------------------------------------------------------- inert text

# C0 controls except tab and newline, DEL, and C1 controls (0x9b is a one-byte CSI on some terminals).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_text(value: Any) -> str:
    """`value` as text safe to print: CR/LF become newlines, other control characters become U+FFFD.

    Pass the result to Rich as a `rich.text.Text` (or print it with markup off): Rich markup in stored
    text, such as `[/bold]` or `[link=…]`, must be shown, never interpreted."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("\ufffd", text)


def terminal_line(value: Any) -> str:
    """`terminal_text` on one line (newlines and tabs become spaces): for messages on stderr."""
    return terminal_text(value).replace("\n", " ").replace("\t", " ")


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """The OWASP rule for CSV injection: a text cell that starts with = + - @ TAB or CR gets a leading
    single quote, so a spreadsheet shows it as text instead of running it. Numbers (and text that is
    only a number, such as "-3") are left alone; so is everything that is not a string."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


# Characters XML 1.0 forbids: C0 controls but tab/LF/CR, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> str:
    """`value` as text XML 1.0 can carry: each forbidden character becomes its escape (`\\x01`, `\\udc00`),
    which keeps distinct ids distinct and shows where the character was."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        str(value))


# --------------------------------------------------------------------------------------- output files

_parts: set[str] = set()  # temporary files being written by this process, removed on SIGTERM/SIGINT/SIGHUP
_parts_lock = threading.Lock()
_previous: dict[int, Any] = {}
_SIGNALS = tuple(s for s in (getattr(signal, n, None) for n in ("SIGTERM", "SIGINT", "SIGHUP")) if s is not None)
_owner_pid = os.getpid()


def _on_signal(signum: int, frame: Any) -> None:
    if os.getpid() == _owner_pid:  # a forked child never removes its parent's files
        for path in list(_parts):
            try:
                os.unlink(path)
            except OSError:
                pass
        _parts.clear()
    prev = _previous.get(signum, signal.SIG_DFL)
    if callable(prev):
        prev(signum, frame)  # e.g. Python's SIGINT handler: KeyboardInterrupt
    elif prev != signal.SIG_IGN:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)  # die of the signal, as without this handler


def _register(path: str) -> None:
    global _owner_pid
    with _parts_lock:
        if not _parts and threading.current_thread() is threading.main_thread():
            _owner_pid = os.getpid()
            for s in _SIGNALS:
                try:
                    prev = signal.getsignal(s)
                    if prev is not _on_signal:
                        _previous[s] = prev
                        signal.signal(s, _on_signal)
                except (ValueError, OSError):  # not the main thread of the main interpreter
                    pass
        _parts.add(path)


def _unregister(path: str) -> None:
    with _parts_lock:
        _parts.discard(path)
        if not _parts and threading.current_thread() is threading.main_thread():
            for s, prev in list(_previous.items()):
                try:
                    if signal.getsignal(s) is _on_signal:
                        signal.signal(s, prev)
                except (ValueError, OSError, TypeError):
                    pass
                _previous.pop(s, None)


def _umask() -> int:
    try:  # Linux 4.7+: reads the mask without changing it (os.umask would, for every thread)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


@contextmanager
def open_output(path: str | os.PathLike[str], binary: bool = False) -> Iterator[IO[Any]]:
    """Open `path` for writing the way every `-o FILE` does; the file is complete or untouched.

    - a regular file, or nothing yet: the data goes to `.NAME.XXXX.part` beside it, which is flushed,
      synced and renamed over `path` only when the block ends without an exception; on an exception,
      SIGTERM, SIGINT or SIGHUP the `.part` file is removed and an existing file keeps its content.
      A new file gets mode 0666 minus the umask; a replaced file keeps its mode.
    - a symbolic link: written through to the file it points to (the link stays a link).
    - a device or a named pipe: written in place (nothing to rename; `/dev/null` stays a device).
    - a directory, a socket, a missing parent folder: OutputError, with a one-line message.
    """
    name = os.fspath(path)
    mode: str = "wb" if binary else "w"
    encoding, newline = (None, None) if binary else ("utf-8", "")
    try:
        st: os.stat_result | None = os.stat(name)  # follows links
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{name}: cannot write here ({_why(exc)})") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{name}: is a directory, not an output file")
    if st is not None and stat.S_ISSOCK(st.st_mode):
        raise OutputError(f"{name}: is a socket, not an output file")
    if st is not None and not stat.S_ISREG(st.st_mode):  # character/block device, named pipe
        try:
            fh = open(name, mode, encoding=encoding, newline=newline)  # noqa: SIM115 - closed below
        except OSError as exc:
            raise OutputError(f"{name}: cannot write here ({_why(exc)})") from None
        with fh:
            yield fh
        return
    target = os.path.realpath(name) if os.path.islink(name) else name
    if st is not None and not os.access(target, os.W_OK):  # as `>` would: a read-only file is not replaced
        raise OutputError(f"{name}: cannot write here (Permission denied)")
    folder = os.path.dirname(target) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(f"{name}: cannot write here ({_why(exc)})") from None
    _register(tmp)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as fh:
            os.fchmod(fh.fileno(), stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    finally:
        _unregister(tmp)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write a whole text file through `open_output`."""
    with open_output(path) as fh:
        fh.write(text)


@contextmanager
def destination(out: str | Path | None) -> Iterator[IO[str]]:
    """Standard output, or `out` through `open_output` (one writer for every -o)."""
    if out is None:
        yield sys.stdout
        sys.stdout.flush()
    else:
        with open_output(out) as fh:
            yield fh


# --------------------------------------------------------------------------------------- rows

def _cell(value: Any) -> Any:
    """A list as its items joined with ';' (a null item empty), a dict as JSON; None stays None, which
    the csv module writes as an empty cell (never the text "None")."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return ";".join("" if v is None else str(v) for v in value)
    return value


def _csv(rows: Iterable[dict[str, Any]], cols: list[str] | None, fh: IO[str]) -> None:
    w = csv.writer(fh)
    if cols is None:  # the header needs every key: spool the rows to disk once, not to memory
        seen: dict[str, None] = {}
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            for r in rows:
                seen.update(dict.fromkeys(r))
                spool.write(json.dumps(r, default=str) + "\n")
            spool.seek(0)
            cols = list(seen)
            w.writerow([csv_cell(c) for c in cols])
            for line in spool:
                r = json.loads(line)
                w.writerow([csv_cell(_cell(r.get(c))) for c in cols])
        return
    w.writerow([csv_cell(c) for c in cols])
    for r in rows:
        w.writerow([csv_cell(_cell(r.get(c))) for c in cols])


def write_rows(rows: Iterable[dict[str, Any]], fmt: Format | str = Format.table, out: str | Path | None = None,
               title: str | None = None, columns: Sequence[str] | None = None) -> None:
    """Write rows (dicts) in the chosen format to `out` (through `open_output`) or standard output.

    csv and jsonl stream: `rows` may be a generator of any length, read once, one row in memory
    (csv without `columns` spools to a temporary file to learn the header). table and parquet read
    every row first. Text is made inert for where it goes: formula-leading cells are quoted in csv,
    and the table shows markup and control characters as text.

    This is the generic writer (actors, stats and other small tables). Event rows have typed columns
    (lists, dates, structs) and go through `latticework.tables.write_events` instead."""
    fmt = Format(fmt)
    cols = list(columns) if columns else None
    if fmt is Format.parquet:
        if out is None:
            raise OutputError("parquet output needs -o FILE (it cannot go to a terminal)")
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = list(rows)
        cols = cols or list(dict.fromkeys(k for r in rows for k in r))
        table = pa.Table.from_pylist([{c: _cell(r.get(c)) for c in cols} for r in rows])
        with open_output(out, binary=True) as bfh:
            pq.write_table(table, bfh)
        return
    if fmt is Format.table:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        rows = list(rows)
        cols = cols or list(dict.fromkeys(k for r in rows for k in r))
        t = Table(title=Text(terminal_text(title)) if title else None, show_lines=False)
        for c in cols:
            t.add_column(Text(terminal_text(c)), overflow="fold")
        for r in rows:
            t.add_row(*[Text("" if r.get(c) is None else terminal_text(_cell(r.get(c)))) for c in cols])
        with destination(out) as fh:
            Console(file=fh, width=200 if out else None).print(t)
        return
    with destination(out) as fh:
        if fmt is Format.csv:
            _csv(rows, cols, fh)
        else:
            for r in rows:
                fh.write(json.dumps({c: r.get(c) for c in cols} if cols else r, ensure_ascii=False) + "\n")
