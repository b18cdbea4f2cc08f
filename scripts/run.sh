#!/usr/bin/env bash
# Set up from nothing and run the main job on the bundled sample (or on the paths given).
# Usage: bash scripts/run.sh [PATH ...]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[notebooks]"
.venv/bin/backcare check "$@"
