"""Docs are tested: every command has help text, and the README's tour runs as written."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from latticework.cli import app

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CLI = str(Path(sys.executable).parent / "latticework")


def _commands() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", _commands())
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    import typer.main

    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    assert (command.help or "").strip(), f"{name} has no help text"


def test_readme_tour_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```console\n(.*?)```", readme, re.S)
    assert block, "README has no console block"
    lines = [ln.split("#")[0].strip()[2:] for ln in block.group(1).splitlines() if ln.startswith("$ latticework")]
    assert len(lines) >= 8
    event_id = None
    for line in lines:
        line = line.replace("latticework/demo/", str(ROOT / "latticework" / "demo") + "/")
        line = line.replace("../shared/", str(SHARED) + "/")
        if "EVENT_ID" in line:
            out = subprocess.run([CLI, "events", "--db", "demo.db", "--format", "jsonl", "--limit", "1"],
                                 cwd=tmp_path, capture_output=True, text=True)
            assert out.returncode == 0, out.stderr
            event_id = json.loads(out.stdout.splitlines()[0])["event_id"]
            line = line.replace("EVENT_ID", event_id)
        if "REPORT_ID" in line:
            out = subprocess.run([CLI, "events", "--db", "demo.db", "--format", "jsonl", "--reports", "--limit", "1"],
                                 cwd=tmp_path, capture_output=True, text=True)
            assert out.returncode == 0, out.stderr
            line = line.replace("REPORT_ID", json.loads(out.stdout.splitlines()[0])["event_id"])
        args = shlex.split(line)[1:]
        result = subprocess.run([CLI, *args], cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
    assert event_id
    assert (tmp_path / "events.jsonl").stat().st_size > 0
    assert (tmp_path / "report.html").read_text(encoding="utf-8").count("<svg") >= 1
    assert (tmp_path / "net.gexf").read_text(encoding="utf-8").startswith("<?xml")
