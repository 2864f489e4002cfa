# MSRVTT-QA fine-tuning of UMT-B stage 2 (5M
# corpus), official exp/finetuning/qa_msrvtt/b16_5m.py: lr 2e-5, 8 epochs,
# 1 warm-up epoch, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/qa_msrvtt_vitb_5m.py 8
_base_ = [
    '../_base_/models/umt_qa_vitb.py',
    '../_base_/datasets/qa_msrvtt.py',
    '../_base_/schedules/video_language_ft.py',
    '../_base_/default_runtime.py'
]
# a stage-2 checkpoint (umt_mm, or the converted official b16_5m.pth)
model = dict(pretrained='work_dirs/stage2_vitb_5m/epoch_10.pth',
             answer_list=_base_.answer_list)
optim_wrapper = dict(optimizer=dict(lr=2e-5))
train_cfg = dict(max_epochs=8)
