#!/usr/bin/env bash
# The main job on the embedded default, from a bare checkout (CPU, ~15 min once .venv exists):
#   1. create/reuse the project venv (tools/env.sh),
#   2. generate the synthetic videos (tools/make_demo_data.py): a small set
#      for pre-training and a larger one for the motion classifier,
#   3. UMT stage 1: tiny student <- tiny random CLIP teacher,
#   4. fine-tune it on the 4 motion classes, test 4x3 views, infer one video,
#   5. UMT stage 2 (VTC+VTM+MLM+UTA with the shipped MiniLM) and zero-shot
#      video-text retrieval on the held-out captions,
#   6. video QA: the stage-2 model fine-tuned on generated questions (shape,
#      colour, direction), tested on the held-out videos; multiple choice
#      among 5 captions with the stage-2 model.
# Set UMT_DEMO_STAGES="1" (or "1 ft", "1 2", "qa mc", ...) to run a subset.
# Outputs go to work_dirs/ (UMT_DEMO_WORK_DIR), data to data/ (UMT_DEMO_DATA).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=tools/env.sh
source tools/env.sh

DATA="${UMT_DEMO_DATA:-data}"
WORK="${UMT_DEMO_WORK_DIR:-work_dirs}"
STAGES=" ${UMT_DEMO_STAGES:-1 ft 2 qa mc} "
log() { echo "[umt_mm demo] $*"; }
# last_checkpoint holds a name relative to its work dir
last_ckpt() { local c; c="$(cat "$1/last_checkpoint")"; [[ "$c" = /* ]] && echo "$c" || echo "$1/$c"; }

make_data() {  # DIR [args]
    if [ -f "$1/train_list.txt" ] && [ -f "$1/val_list.txt" ] &&
        [ -f "$1/qa_val.json" ]; then
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
S2_CKPT="$WORK/stage2_demo/epoch_48.pth"
if [[ "$STAGES" == *" qa "* ]]; then
    QA="$WORK/qa_demo"
    qa_data=(train_dataloader.dataset.ann_file="$DATA/demo/qa_train.json"
             train_dataloader.dataset.data_prefix.video="$DATA/demo"
             test_dataloader.dataset.ann_file="$DATA/demo/qa_val.json"
             test_dataloader.dataset.data_prefix.video="$DATA/demo"
             test_dataloader.dataset.answer_list="$DATA/demo/qa_answer_list.json"
             model.answer_list="$DATA/demo/qa_answer_list.json"
             test_evaluator.baseline_ann_file="$DATA/demo/qa_train.json")
    log "video QA: fine-tuning the stage-2 model on the synthetic questions"
    python tools/train.py configs/umt/qa_demo.py --work-dir "$QA" \
        --resume auto-or-new \
        --cfg-options "${qa_data[@]}" model.pretrained="$S2_CKPT"
    log "video QA on the held-out videos (qa/acc vs qa/majority_acc)"
    python tools/test.py configs/umt/qa_demo.py "$QA/epoch_12.pth" \
        --work-dir "$QA" --cfg-options "${qa_data[@]}"
fi

if [[ "$STAGES" == *" mc "* ]]; then
    log "multiple choice among 5 captions with the stage-2 model (chance 20%)"
    python tools/test.py configs/umt/mc_demo.py "$S2_CKPT" \
        --work-dir "$WORK/mc_demo" --cfg-options \
        test_dataloader.dataset.ann_file="$DATA/demo/mc_val.json" \
        test_dataloader.dataset.data_prefix.video="$DATA/demo"
fi
log "done: checkpoints and logs are under $WORK/"
