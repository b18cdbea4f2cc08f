#!/usr/bin/env bash
# Set up from nothing and run every check: lint, format, types, unit tests and notebooks.
# Usage: bash scripts/test.sh            (from the project folder; creates .venv)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"

echo "== ruff check";          .venv/bin/ruff check .
echo "== ruff format --check"; .venv/bin/ruff format --check .
echo "== mypy (strict)";       .venv/bin/mypy
echo "== pytest (unit tests and notebooks)"
# pytest exits non-zero on any failure and with code 5 when no test was collected.
.venv/bin/python -m pytest "$@"
