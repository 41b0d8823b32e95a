#!/usr/bin/env bash
# The house rules (setup.cfg): flake8 at line length 100 and isort's import order, on
# everything tracked. The same hooks run from .pre-commit-config.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
FILES=$(git ls-files -co --exclude-standard '*.py' | grep -v '^mmwesam/.mim/' || true)
"$PY" -m flake8 $FILES
"$PY" -m isort --check-only --diff $FILES
echo "[lint] flake8 and isort clean ($(echo "$FILES" | wc -w) files)"
