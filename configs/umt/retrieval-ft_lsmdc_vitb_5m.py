# LSMDC retrieval fine-tuning of UMT-B stage 2 (5M
# corpus), official exp/finetuning/ret_lsmdc/b16_5m.py: lr 2e-5, 10 epochs,
# 1 warm-up epoch, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/retrieval-ft_lsmdc_vitb_5m.py 8
_base_ = [
    '../_base_/models/umt_retrieval-ft_vitb.py',
    '../_base_/datasets/retrieval-ft_lsmdc.py',
    '../_base_/schedules/video_language_ft.py',
    '../_base_/default_runtime.py'
]
# a stage-2 checkpoint (umt_mm, or the converted official b16_5m.pth)
load_from = 'work_dirs/stage2_vitb_5m/epoch_10.pth'
optim_wrapper = dict(optimizer=dict(lr=2e-5))
train_cfg = dict(max_epochs=10)
