#!/usr/bin/env bash
# Set up (virtualenv + pinned dependencies) and run the main job on the shipped demo corpus:
# code it into an SQLite store, print the events and a summary, and write the network report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LATTICEWORK_DB="${LATTICEWORK_DB:-demo.db}"
export COLUMNS="${COLUMNS:-160}"  # a readable table when the output is not a terminal
.venv/bin/latticework ingest latticework/demo/corpus.jsonl --quiet
.venv/bin/latticework events --limit 100
.venv/bin/latticework stats
.venv/bin/latticework report --since 2022 --until 2025 -o demo-report.html
echo "Store: $LATTICEWORK_DB   Report: demo-report.html"
