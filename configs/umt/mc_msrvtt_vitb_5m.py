# MSRVTT multiple choice (retrieval fine-tuning on 7k) of UMT-B stage 2 (5M
# corpus), official exp/finetuning/mc_msrvtt/b16_5m.py: lr 8e-5, 5 epochs,
# no warm-up, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/mc_msrvtt_vitb_5m.py 8
_base_ = [
    '../_base_/models/umt_retrieval-ft_vitb.py',
    '../_base_/datasets/mc_msrvtt.py',
    '../_base_/schedules/video_language_ft_no-warmup.py',
    '../_base_/default_runtime.py'
]
# a stage-2 checkpoint (umt_mm, or the converted official b16_5m.pth)
load_from = 'work_dirs/stage2_vitb_5m/epoch_10.pth'
optim_wrapper = dict(optimizer=dict(lr=8e-5))
train_cfg = dict(max_epochs=5)
