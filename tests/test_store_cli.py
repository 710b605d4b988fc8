"""The store's commands end to end: ingest, events (every format), actors, show, stats, recode, errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from latticework.cli import app
from latticework.store import Store
from latticework.store.render import evidence_in_context

runner = CliRunner()
COMMANDS = ["ingest", "recode", "events", "actors", "show", "stats"]


def _corpus(tmp_path: Path) -> Path:
    lines = [
        {"id": "n1", "text": "Japan and the United States held talks in Tokyo on 3 March 2024.", "published": "2024-03-04",
         "source": "wire"},
        {"id": "n2", "text": "South Korea and Australia signed a defence agreement in Seoul in May 2024.",
         "published": "2024-05-20"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n", encoding="utf-8")
    return path


def _dataset(db: str) -> None:
    with Store(db) as store:
        store.add_events([
            {"event_id": "ic-1", "doc_id": "icews-row-1", "type": "COOPERATE", "mode": "exercise",
             "actors": ["JPN", "PHL"], "targets": [], "date": "2024-04-07", "status": "occurred",
             "evidence": {"text": "joint sail in the South China Sea", "start": 0, "end": 33}},
            {"event_id": "ic-2", "doc_id": "icews-row-2", "type": "ACCUSE", "mode": "criticize",
             "actors": ["CHN"], "targets": ["PHL"], "date": "2024-04-09", "status": "occurred",
             "evidence": {"text": "protest lodged", "start": 0, "end": 14}},
        ], source="icews")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "--db" in result.output or command == "show"
    assert len(result.output.strip().splitlines()) > 3


def test_ingest_reports_problems_per_line_and_is_idempotent(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    src = _corpus(tmp_path)
    first = runner.invoke(app, ["ingest", str(src), "--db", db, "--quiet"])
    assert first.exit_code == 1  # one bad line
    problem_lines = [ln for ln in first.stderr.splitlines() if ln.strip()]
    assert problem_lines == [ln for ln in problem_lines if f"{src}:3" in ln] and len(problem_lines) == 1
    second = runner.invoke(app, ["ingest", str(src), "--db", db])
    assert "0 new, 0 updated, 2 unchanged" in second.stderr
    with Store(db) as store:
        assert store.stats()["documents"] == 2


def test_events_in_every_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "q.db")
    monkeypatch.setenv("LATTICEWORK_DB", db)  # --db defaults to it
    _dataset(db)
    table = runner.invoke(app, ["events", "--actor", "PHL", "--reports"])
    assert table.exit_code == 0 and "ic-1" in table.stdout and "ic-2" in table.stdout
    jl = runner.invoke(app, ["events", "--with", "CHN", "--actor", "PHL", "--format", "jsonl", "--reports"])
    rows = [json.loads(x) for x in jl.stdout.splitlines()]
    assert [r["event_id"] for r in rows] == ["ic-2"] and rows[0]["targets"] == ["PHL"] and rows[0]["source"] == "icews"
    out_csv = tmp_path / "e.csv"
    assert runner.invoke(app, ["events", "--type", "COOPERATE", "-f", "csv", "-o", str(out_csv), "--reports"]).exit_code == 0
    with out_csv.open(encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert [r["event_id"] for r in got] == ["ic-1"] and got[0]["actors"] == "JPN;PHL"
    out_pq = tmp_path / "e.parquet"
    assert runner.invoke(app, ["events", "--since", "2024-04-08", "-f", "parquet", "-o", str(out_pq), "--reports"]).exit_code == 0
    assert pq.read_table(out_pq).column("event_id").to_pylist() == ["ic-2"]
    assert runner.invoke(app, ["events", "--text", "SOUTH CHINA", "-f", "jsonl"]).stdout.count("\n") == 1
    bad = runner.invoke(app, ["events", "--until", "soon"])
    assert bad.exit_code == 2 and bad.stderr.strip().startswith("error:") and len(bad.stderr.strip().splitlines()) == 1


def test_actors_stats_show(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    _dataset(db)
    actors = runner.invoke(app, ["actors", "--db", db, "-f", "jsonl"])
    rows = {r["code"]: r for r in map(json.loads, actors.stdout.splitlines())}
    assert rows["PHL"]["events"] == 2 and rows["PHL"]["name"] == "Philippines"
    stats = runner.invoke(app, ["stats", "--db", db, "-f", "jsonl"])
    srows = [json.loads(x) for x in stats.stdout.splitlines()]
    assert {"group": "type", "key": "ACCUSE", "count": 1} in srows
    assert {"group": "month", "key": "2024-04", "count": 2} in srows
    shown = runner.invoke(app, ["show", "ic-1", "--db", db])
    assert shown.exit_code == 0 and "joint sail" in shown.stdout and "COOPERATE" in shown.stdout
    assert "not stored" in shown.stdout
    missing = runner.invoke(app, ["show", "nope", "--db", db])
    assert missing.exit_code == 1 and "nope" in missing.stderr


def test_show_highlights_evidence_in_its_context() -> None:
    text = "First sentence. Japan and India met in Delhi. Last sentence."
    start = text.index("Japan")
    end = text.index("Delhi.") + len("Delhi.")
    shown = evidence_in_context(text, start, end, context=6)
    assert shown is not None
    assert shown.plain == "…ence. Japan and India met in Delhi. Last …"
    highlighted = [shown.plain[s.start:s.end] for s in shown.spans]
    assert highlighted == ["Japan and India met in Delhi."]
    assert evidence_in_context(text, 50, 999) is None


def test_queries_on_a_missing_database_fail_cleanly(tmp_path: Path) -> None:
    for cmd in (["events"], ["stats"], ["actors"], ["show", "x"], ["recode"]):
        result = runner.invoke(app, [*cmd, "--db", str(tmp_path / "absent.db")])
        assert result.exit_code == 2, cmd
        assert result.stderr.startswith("error: no database at") and result.stderr.count("\n") == 1
    assert not (tmp_path / "absent.db").exists()
