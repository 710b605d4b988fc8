"""Issue 11: what every command writes is complete or absent, lands where the user pointed, and
is inert: stored text cannot drive the terminal, a spreadsheet, a Markdown renderer or an XML parser.

The `-o` cases use a symbolic link and a named pipe made in the test's own folder, never a real device.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import igraph as ig
import pytest
from typer.testing import CliRunner

from latticework import network as N
from latticework import report as R
from latticework.cli import app
from latticework.output import csv_cell, open_output, terminal_text, write_rows, xml_text
from latticework.store import Store

runner = CliRunner()

MARKUP = "[/] [/bold] [link=http://evil.example]click[/link]"
ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b31m"
HOSTILE_ID = '=HYPERLINK("http://evil.example","x")'


def _cli(*args: str, stdin: bytes | None = None, umask: int | None = None,
         **kw: object) -> subprocess.CompletedProcess[bytes]:
    cmd = [sys.executable, "-c", "from latticework.cli import main; main()", *args]
    pre = (lambda: os.umask(umask)) if umask is not None else None  # noqa: E731 - runs in the child
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=600, preexec_fn=pre, **kw)  # type: ignore[call-overload]


def _hostile_store(tmp_path: Path) -> str:
    db = str(tmp_path / "hostile.db")
    with Store(db) as store:
        store.add_events([
            {"event_id": HOSTILE_ID, "doc_id": "@SUM(1+1)*cmd|' /C calc'!A0", "type": "COOPERATE",
             "mode": "exercise", "actors": ["[/bold]", "JPN"], "targets": [], "date": "2024-04-07",
             "status": "occurred", "evidence": {"text": f"{MARKUP} {ESCAPES} -2+3 end", "start": 0, "end": 4}},
            {"event_id": "ok-1", "doc_id": "d2", "type": "ACCUSE", "mode": "criticize", "actors": ["CHN"],
             "targets": ["JPN"], "date": "2024-04-09", "status": "occurred",
             "evidence": {"text": "+=fine? -5", "start": 0, "end": 4}},
        ], source="icews")
    return db


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An input with no documents: `code` loads the coder, writes nothing, exits 0."""
    path = tmp_path_factory.mktemp("input") / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    return str(path)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("hostile.db"))


# ------------------------------------------------------------------------------------------ -o FILE

def test_output_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    """`-o link` writes the file the link points to; the link stays a link (every command)."""
    db = _hostile_store(tmp_path)
    real = tmp_path / "real.csv"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    res = _cli("code", str(tmp_path / "none.jsonl"), "-o", str(link), "-j", "1", "--quiet")
    assert res.returncode == 1  # the input is missing: one problem, and an empty (valid) output
    assert link.is_symlink() and os.readlink(link) == str(real) and real.read_text() == ""
    for args in (["events", "-f", "csv"], ["stats", "-f", "csv"], ["export", "-f", "gdelt"],
                 ["network", "-f", "gexf"]):
        assert runner.invoke(app, [*args, "--db", db, "-o", str(link)]).exit_code == 0, args
        assert link.is_symlink() and real.stat().st_size > 0, args
    assert _names(tmp_path) == ["link.csv", "real.csv"]  # no .part file left


def test_output_to_a_named_pipe_is_written_in_place(tmp_path: Path, empty: str) -> None:
    """A pipe (like /dev/null or a terminal) is written in place, never replaced by a regular file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    res = _cli("code", empty, "-o", str(fifo), "-j", "1", "--quiet")
    reader.join(60)
    assert res.returncode == 0, res.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and got == [b""]
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_rows([{"a": 1}], "jsonl", fifo)
    reader.join(60)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and got[-1] == b'{"a": 1}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002], ids=oct)
def test_new_outputs_honour_the_umask_and_replaced_ones_keep_their_mode(tmp_path: Path, mask: int,
                                                                        empty: str) -> None:
    out = tmp_path / "o.jsonl"
    res = _cli("code", empty, "-o", str(out), "-j", "1", "--quiet", umask=mask)
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
    out.chmod(0o640)
    assert _cli("code", empty, "-o", str(out), "-j", "1", "--quiet", umask=mask).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_no_part_file_is_left_after_a_signal(tmp_path: Path) -> None:
    """SIGTERM, SIGHUP or SIGINT mid-run: the .part file goes, the previous output stays."""
    out = tmp_path / "o.jsonl"
    out.write_text("previous run\n", encoding="utf-8")
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        proc = subprocess.Popen([sys.executable, "-c", "from latticework.cli import main; main()", "code", "-",
                                 "-o", str(out), "-j", "1", "--quiet"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:  # stdin stays open, so the run waits for input with its .part file open
            deadline = time.monotonic() + 120
            while not list(tmp_path.glob(".o.jsonl.*.part")):
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.05)
            proc.send_signal(sig)
            proc.wait(60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for fh in (proc.stdin, proc.stdout, proc.stderr):
                if fh:
                    fh.close()
        assert proc.returncode != 0, sig
        assert sorted(p.name for p in tmp_path.iterdir()) == ["o.jsonl"], sig
        assert out.read_text(encoding="utf-8") == "previous run\n", sig


def test_output_errors_are_one_line(tmp_path: Path) -> None:
    """No folder, a directory, parquet to a terminal: one `error:` line and exit 2, from every listing."""
    db = _hostile_store(tmp_path)
    for cmd in ("events", "stats", "actors"):
        for extra in (["-f", "csv", "-o", str(tmp_path / "nodir" / "x.csv")], ["-f", "csv", "-o", str(tmp_path)],
                      ["-f", "parquet"]):
            res = runner.invoke(app, [cmd, "--db", db, *extra])
            assert res.exit_code == 2, (cmd, extra, res.output)
            assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, (cmd, extra, res.stderr)
            assert res.exception is None or isinstance(res.exception, SystemExit)
    for args in (["export", "-f", "gdelt"], ["network", "-f", "gexf"]):
        res = runner.invoke(app, [*args, "--db", db, "-o", str(tmp_path)])
        assert res.exit_code == 2 and "is a directory" in res.stderr and res.stderr.count("\n") == 1
    assert _names(tmp_path) == []


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "keep.csv"
    out.write_text("old\n", encoding="utf-8")

    def rows():
        yield {"a": 1}
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_rows(rows(), "csv", out, columns=["a"])
    assert out.read_text(encoding="utf-8") == "old\n" and [p.name for p in tmp_path.iterdir()] == ["keep.csv"]
    with pytest.raises(OSError, match="is a directory"), open_output(tmp_path):
        pass


# ------------------------------------------------------------------------------------------ terminal

def test_stored_markup_and_escapes_are_shown_not_obeyed(tmp_path: Path) -> None:
    db = _hostile_store(tmp_path)
    for args in (["events"], ["stats"], ["actors"], ["show", HOSTILE_ID]):
        res = runner.invoke(app, [*args, "--db", db])
        assert res.exit_code == 0, (args, res.output)
        assert "\x1b" not in res.stdout and "\x07" not in res.stdout and "\x9b" not in res.stdout, args
        assert "[/bold]" in res.stdout, args
    shown = runner.invoke(app, ["show", HOSTILE_ID, "--db", db]).stdout
    assert "[link=http://evil.example]click[/link]" in shown and "[/]" in shown
    assert terminal_text("a\x1b[2Jb\r\nc\td\x00") == "a\ufffd[2Jb\nc\td\ufffd"


# ------------------------------------------------------------------------------------------ CSV

def test_csv_cells_cannot_start_a_formula(tmp_path: Path) -> None:
    db = _hostile_store(tmp_path)
    out = tmp_path / "e.csv"
    assert runner.invoke(app, ["events", "--db", db, "-f", "csv", "-o", str(out), "--reports"]).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["event_id"] for r in rows} == {"'" + HOSTILE_ID, "ok-1"}
    assert {r["doc_id"] for r in rows} == {"'@SUM(1+1)*cmd|' /C calc'!A0", "d2"}
    assert any(r["evidence"].startswith("{") for r in rows)  # JSON cells start with a brace: left alone
    stats = runner.invoke(app, ["stats", "--db", db, "-f", "csv"])
    assert stats.exit_code == 0 and "\n=" not in stats.stdout and ",=" not in stats.stdout
    gdelt = runner.invoke(app, ["export", "-f", "gdelt", "--db", db])
    cells = [c for line in gdelt.stdout.splitlines() for c in line.split("\t")]
    # events are exported (ids of clusters); the hostile document id is still there, made inert
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert not any(c.lstrip('"').startswith(("=", "@", "+")) for c in cells)
    polecat = runner.invoke(app, ["export", "-f", "polecat", "--db", db])
    assert not any(c.startswith(("=", "@", "+")) for line in polecat.stdout.splitlines() for c in line.split("\t"))
    # JSONL keeps the stored value exactly
    jl = runner.invoke(app, ["events", "--db", db, "-f", "jsonl", "--reports"])
    assert HOSTILE_ID in {json.loads(x)["event_id"] for x in jl.stdout.splitlines()}
    assert [csv_cell(v) for v in ("-5", "+1.5e3", "-x", "\tx", "\rx", 3, -2.0, "a=b")] == \
        ["-5", "+1.5e3", "'-x", "'\tx", "'\rx", 3, -2.0, "a=b"]


# ------------------------------------------------------------------------------------------ Markdown

def test_markdown_report_shows_html_as_text(tmp_path: Path) -> None:
    evil = '<img src=x onerror=alert(1)> [click](javascript:alert(2)) | cell'
    events = [R_ev("e1", "CONSULT", ["JPN", "USA"], "2024-01-10", evil),
              R_ev("e2", "COOPERATE", ["JPN", "AUS"], "2024-03-03", "<script>alert(3)</script>")]
    out = tmp_path / "r.md"
    R.write_report(events, out, "2024", "2024")
    md = out.read_text(encoding="utf-8")
    assert "<img" not in md and "<script" not in md and "[click](javascript:" not in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md and "\\[click\\]" in md
    ev_line = next(ln for ln in md.splitlines() if "onerror" in ln)
    assert ev_line.startswith("> ") and "\\|" in ev_line
    page = tmp_path / "r.html"
    R.write_report(events, page, "2024", "2024")
    text = page.read_text(encoding="utf-8")
    assert "<img" not in text and "<script" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def R_ev(eid: str, t: str, actors: list[str], date: str, text: str) -> dict:  # noqa: N802 - mirrors test_report.ev
    return {"doc_id": "d-" + eid, "event_id": eid, "type": t, "mode": None, "actors": actors, "targets": [],
            "framework": None, "date": date, "status": "occurred", "hedged": False, "location": None,
            "evidence": {"text": text, "start": 0, "end": len(text)}, "confidence": 0.9}


# ------------------------------------------------------------------------------------------ XML

def test_network_files_stay_well_formed_with_control_characters(tmp_path: Path) -> None:
    events = [R_ev("id\x07bell", "CONSULT", ["JP\x01N", "USA"], "2024-01-10", "x"),
              R_ev("e2", "COOPERATE", ["JP\x01N", "AU\udc00S"], "2024-02-10", "y")]
    net = N.build_network(events, "2024", "2024")
    gexf = tmp_path / "n.gexf"
    N.export_network(net, "gexf", gexf)
    root = ET.parse(gexf).getroot()
    labels = {n.get("label") for n in root.iter("{http://gexf.net/1.3}node")}
    assert labels == {"JP\\x01N", "USA", "AU\\udc00S"}
    graphml = tmp_path / "n.graphml"
    N.export_network(net, "graphml", graphml)
    ET.parse(graphml)
    g = ig.Graph.Read_GraphML(str(graphml))
    assert set(g.vs["name"]) == labels and any("id\\x07bell" in v for v in g.es["event_ids"])
    assert xml_text("a\x00b\ud800c\tz\n") == "a\\x00b\\ud800c\tz\n"


# ------------------------------------------------------------------------------------------ memory

def test_events_stream_rows_to_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`events -o` writes each row as it is read: when the last row is produced, the first ones are on disk."""
    db = _hostile_store(tmp_path)
    seen_on_disk: list[int] = []
    big = "x" * 20000  # larger than a write buffer, so written rows reach the .part file

    def fake_iter(self: Store, **_: object):
        for i in range(4):
            parts = list(tmp_path.glob(".e.jsonl.*.part"))
            seen_on_disk.append(sum(p.stat().st_size for p in parts))
            yield {"event_id": f"e{i}", "type": "CONSULT", "evidence": {"text": big}}

    monkeypatch.setattr(Store, "iter_events", fake_iter)
    for fmt in ("jsonl", "csv"):
        seen_on_disk.clear()
        target = tmp_path / f"e.{fmt}"
        res = runner.invoke(app, ["events", "--db", db, "-f", fmt, "-o", str(target)])
        assert res.exit_code == 0, res.output
        assert len(target.read_text(encoding="utf-8").splitlines()) == 4 + (fmt == "csv")
        if fmt == "jsonl":
            assert seen_on_disk[0] == 0 and seen_on_disk[-1] > 2 * len(big), seen_on_disk


def test_ingest_keeps_a_bounded_number_of_problem_messages(tmp_path: Path) -> None:
    from latticework.ingest import read_documents
    from latticework.store.core import KEEP_PROBLEMS

    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n" * (KEEP_PROBLEMS + 500), encoding="utf-8")
    shown: list[str] = []
    with Store(str(tmp_path / "i.db")) as store:
        rep = store.ingest(read_documents([str(bad)]), jobs=1, progress=False, on_problem=shown.append)
    assert len(rep.problems) == KEEP_PROBLEMS and len(shown) == KEEP_PROBLEMS + 500
    assert rep.summary().endswith(f"{KEEP_PROBLEMS + 500} problems")


def test_table_output_shows_markup_literally() -> None:
    buf = io.StringIO()
    old = sys.stdout
    sys.stdout = buf
    try:
        write_rows([{"k": "[/bold] [link=x]y[/link]\x1b[31m"}], "table", title="[bold]t[/]")
    finally:
        sys.stdout = old
    assert "[/bold] [link=x]y[/link]" in buf.getvalue() and "\x1b" not in buf.getvalue()
