#!/usr/bin/env bash
# Create .venv and install mmwesam and its exact stack (CPU), in the order that works:
# torch first, then mmcv compiled against it, then the rest. Safe to re-run: a stamp
# file skips the install when nothing it depends on changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
STAMP=.venv/.mmwesam-installed
WANT="$(cat requirements.txt setup.py projects/synthetic_benchmark/setup.py scripts/setup_env.sh | sha1sum | cut -d' ' -f1) $TORCH_SPEC"

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  exit 0
fi
PIP=".venv/bin/python -m pip"
echo "[setup] installing into .venv (torch, mmcv, mmdet, segment-anything, ...)"
$PIP install -q --upgrade pip
$PIP install -q "$TORCH_SPEC"
$PIP install -q "setuptools>=77,<81" wheel ninja
# mmcv 2.1.0 has no wheel for this torch; it builds from source (~16 min on 2 cores).
# A wheel of that exact build in ../shared/wheels, when present, is used as a cache.
FIND_LINKS=()
if [ -d ../shared/wheels ]; then FIND_LINKS=(--find-links ../shared/wheels); fi
$PIP install -q --no-build-isolation "${FIND_LINKS[@]}" mmcv==2.1.0
$PIP install -q -r requirements.txt
$PIP install -q --no-build-isolation --no-deps -e .
# the synthetic benchmark (demo, benchmark tools), a package of its own
$PIP install -q --no-build-isolation --no-deps -e projects/synthetic_benchmark
.venv/bin/python -c "import torch, mmcv.ops, mmdet, mmengine, mmwesam, synthetic_benchmark; \
print('[setup] torch', torch.__version__, 'mmcv', mmcv.__version__, 'mmdet', mmdet.__version__)"
echo "$WANT" > "$STAMP"
