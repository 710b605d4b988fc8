#!/usr/bin/env bash
# The test command: installs what the tests need (venv, PostgreSQL, Chromium), then runs
# lint, types, the unit and integration tests on SQLite and PostgreSQL, and the seed F1 gate.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LATTICEWORK_TEST_PG="${LATTICEWORK_TEST_PG:-$(bash scripts/system-deps.sh | tail -1)}"
export LATTICEWORK_REQUIRE_PG=1 LATTICEWORK_REQUIRE_BROWSER=1
.venv/bin/ruff check latticework tests bench
.venv/bin/mypy latticework
.venv/bin/python -m pytest "$@"
