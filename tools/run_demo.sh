#!/usr/bin/env bash
# The main job on the embedded default, from a bare checkout:
#   1. create/reuse the project venv (tools/env.sh),
#   2. generate the synthetic video dataset (tools/make_demo_data.py),
#   3. UMT stage-1 pre-training of a tiny student with a tiny random CLIP
#      teacher through the real runner (configs/umt/stage1_demo.py).
# Outputs go to work_dirs/ (override with UMT_DEMO_WORK_DIR), data to
# data/demo (override with UMT_DEMO_DATA).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=tools/env.sh
source tools/env.sh

DATA="${UMT_DEMO_DATA:-data/demo}"
WORK="${UMT_DEMO_WORK_DIR:-work_dirs}"
data_opts=(train_dataloader.dataset.ann_file="$DATA/train_list.txt"
           train_dataloader.dataset.data_prefix.video="$DATA")

if [ -f "$DATA/train_list.txt" ] && [ -f "$DATA/val_list.txt" ]; then
    echo "[umt_mm demo] reusing the synthetic dataset in $DATA"
else
    echo "[umt_mm demo] generating the synthetic dataset in $DATA"
    python tools/make_demo_data.py "$DATA"
fi

echo "[umt_mm demo] stage 1: tiny UMT student <- tiny CLIP teacher (CPU, ~1 min)"
python tools/train.py configs/umt/stage1_demo.py \
    --work-dir "$WORK/stage1_demo" --cfg-options "${data_opts[@]}"
STAGE1_CKPT="$(cat "$WORK/stage1_demo/last_checkpoint")"
echo "[umt_mm demo] stage-1 checkpoint: $STAGE1_CKPT"
