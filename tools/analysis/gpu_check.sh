#!/usr/bin/env bash
# One GPU check (<= 8 min on one H100/H200), one JSON: stage-1 train step
# ViT-B b64 / ViT-L b32 in bf16 with each speed option off/on, the data
# benchmark with this machine's cores, 100 iterations of the real runner on
# prepared synthetic data, DeepSpeed/strategy builds, targets met or not.
#   bash tools/analysis/gpu_check.sh [OUT.json] [--tiny] [--work-dir DIR]
# --tiny: the same code on the CPU with the demo model (used by the tests).
OUT=${1:-work_dirs/gpu_check.json}
PYTHON=${PYTHON:-python}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$(dirname "$OUT")"
cd "$ROOT" && PYTHONPATH="$ROOT":$PYTHONPATH \
    "$PYTHON" -m umt_mm.benchmark.gpu_check "$OUT" "${@:2}"
