"""The serve load bench runs end to end on a tiny PostgreSQL store and prints its figures (no speed
threshold here: the figures at 100k documents are in docs/serve.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]


def test_bench_serve_tiny(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("pg_url")  # skips (or fails under LATTICEWORK_REQUIRE_PG=1) without PostgreSQL
    base = os.environ["LATTICEWORK_TEST_PG"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_serve.py"), "--n", "300", "--real", "0",
                          "--rate", "40", "--duration", "2", "--json"],
                         capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["documents"] == 300 and figures["events"] > 0 and figures["errors"] == 0
    assert figures["requests"] == 80 and figures["list"]["n"] + figures["detail"]["n"] == 80
    assert figures["all"]["p50_ms"] > 0 and "target p99 < 100 ms" in run.stdout
    url = base if not base.startswith("postgresql://") else "postgresql+psycopg://" + base.split("://", 1)[1]
    engine = sa.create_engine(url)
    with engine.connect() as conn:  # the scratch schema is gone
        left = conn.exec_driver_sql("SELECT schema_name FROM information_schema.schemata "
                                    "WHERE schema_name LIKE 'bench_serve_300_0_%%'").all()
    engine.dispose()
    assert left == []
