#!/usr/bin/env bash
# The main job on the embedded default, from a bare checkout (CPU, ~20 min):
#   1. create/reuse the project venv (tools/env.sh),
#   2. generate the synthetic videos (tools/make_demo_data.py): a small set
#      for pre-training and a larger one for the motion classifier,
#   3. UMT stage 1: tiny student <- tiny random CLIP teacher,
#   4. fine-tune it on the 4 motion classes, test 4x3 views, infer one video,
#   5. UMT stage 2 (VTC+VTM+MLM+UTA with the shipped MiniLM) and zero-shot
#      video-text retrieval on the held-out captions.
# Set UMT_DEMO_STAGES="1" (or "1 ft", "1 2", ...) to run a subset.
# Outputs go to work_dirs/ (UMT_DEMO_WORK_DIR), data to data/ (UMT_DEMO_DATA).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=tools/env.sh
source tools/env.sh

DATA="${UMT_DEMO_DATA:-data}"
WORK="${UMT_DEMO_WORK_DIR:-work_dirs}"
STAGES=" ${UMT_DEMO_STAGES:-1 ft 2} "
log() { echo "[umt_mm demo] $*"; }
# last_checkpoint holds a name relative to its work dir
last_ckpt() { local c; c="$(cat "$1/last_checkpoint")"; [[ "$c" = /* ]] && echo "$c" || echo "$1/$c"; }

make_data() {  # DIR [args]
    if [ -f "$1/train_list.txt" ] && [ -f "$1/val_list.txt" ]; then
        log "reusing the synthetic dataset in $1"
    else
        log "generating the synthetic dataset in $1"
        python tools/make_demo_data.py "$@"
    fi
}

make_data "$DATA/demo"
STAGE1_CKPT="$WORK/stage1_demo/epoch_5.pth"
if [[ "$STAGES" == *" 1 "* ]]; then
    log "stage 1: tiny UMT student <- tiny CLIP teacher"
    python tools/train.py configs/umt/stage1_demo.py --resume auto-or-new \
        --work-dir "$WORK/stage1_demo" --cfg-options \
        train_dataloader.dataset.ann_file="$DATA/demo/train_list.txt" \
        train_dataloader.dataset.data_prefix.video="$DATA/demo"
    log "stage-1 checkpoint: $(last_ckpt "$WORK/stage1_demo")"
fi

if [[ "$STAGES" == *" ft "* ]]; then
    make_data "$DATA/demo_cls" --num-train 512 --num-val 64 --seed 1
    log "fine-tuning the stage-1 student on the 4 motion classes"
    FT="$WORK/finetune_demo"
    cls_data=(train_dataloader.dataset.ann_file="$DATA/demo_cls/train_list.txt"
              train_dataloader.dataset.data_prefix.video="$DATA/demo_cls"
              test_dataloader.dataset.ann_file="$DATA/demo_cls/val_list.txt"
              test_dataloader.dataset.data_prefix.video="$DATA/demo_cls")
    python tools/train.py configs/umt/finetune_demo.py --work-dir "$FT" \
        --resume auto-or-new \
        --cfg-options "${cls_data[@]}" \
        model.backbone.init_cfg.checkpoint="umt://$STAGE1_CKPT"
    log "testing on the held-out split (4 clips x 3 crops, 4 classes: chance 25%)"
    python tools/test.py configs/umt/finetune_demo.py "$FT/epoch_25.pth" \
        --work-dir "$FT" --dump "$FT/val_scores.pkl" \
        --cfg-options "${cls_data[@]}"
    VIDEO="$(head -n 1 "$DATA/demo_cls/val_list.txt" | cut -d' ' -f1)"
    log "inference on $VIDEO"
    python tools/infer.py "$DATA/demo_cls/$VIDEO" configs/umt/finetune_demo.py \
        "$FT/epoch_25.pth" --label-map "$DATA/demo_cls/classes.txt" \
        --device cpu
fi

if [[ "$STAGES" == *" 2 "* ]]; then
    S2="$WORK/stage2_demo"
    cap_data=("train_dataloader.dataset.ann_files=['$DATA/demo/captions_train.json']"
              train_dataloader.dataset.data_prefix.video="$DATA/demo"
              test_dataloader.dataset.ann_file="$DATA/demo/captions_val.json"
              test_dataloader.dataset.data_prefix.video="$DATA/demo")
    log "stage 2: video-text pre-training with the shipped MiniLM"
    python tools/train.py configs/umt/stage2_demo.py --work-dir "$S2" \
        --resume auto-or-new \
        --cfg-options "${cap_data[@]}"
    log "zero-shot retrieval on the held-out captions (chance R@1 = 1/32)"
    python tools/test.py configs/umt/stage2_demo.py \
        "$(last_ckpt "$S2")" --work-dir "$S2" \
        --cfg-options "${cap_data[@]}"
fi
log "done: checkpoints and logs are under $WORK/"
