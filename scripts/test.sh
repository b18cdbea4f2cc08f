#!/usr/bin/env bash
# Set up from nothing and run every check: lint, format, types, unit tests and notebooks.
# Usage: bash scripts/test.sh            (from the project folder; creates .venv)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# The browser test drives JupyterLab in Debian's Chromium (never a downloaded browser).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "note: chromium is not installed and this is not root: the browser test will skip"
  fi
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"

echo "== ruff check";          .venv/bin/ruff check .
echo "== ruff format --check"; .venv/bin/ruff format --check .
echo "== mypy (strict)";       .venv/bin/mypy
echo "== pytest (unit tests and notebooks)"
# pytest exits non-zero on any failure and with code 5 when no test was collected.
.venv/bin/python -m pytest "$@"
