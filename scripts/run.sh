#!/usr/bin/env bash
# One entry point for the README: set everything up, then run the demo or the tests.
#   bash scripts/run.sh demo    generate data, evaluate and adapt, print the table
#   bash scripts/run.sh test    the house rules (scripts/lint.sh), then the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
case "${1:-}" in
  demo) shift; exec .venv/bin/python tools/demo.py "$@" ;;
  test) shift; bash scripts/lint.sh; exec .venv/bin/python -m pytest -q "$@" ;;
  *) echo "usage: bash scripts/run.sh demo|test [args]" >&2; exit 2 ;;
esac
