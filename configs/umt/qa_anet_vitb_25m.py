# ActivityNet-QA fine-tuning of UMT-B stage 2 (25M
# corpus), official exp/finetuning/qa_anet/b16_25m.py: lr 4e-5, 12 epochs,
# 1 warm-up epoch, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/qa_anet_vitb_25m.py 8
_base_ = [
    '../_base_/models/umt_qa_vitb.py',
    '../_base_/datasets/qa_anet.py',
    '../_base_/schedules/video_language_ft.py',
    '../_base_/default_runtime.py'
]
# a stage-2 checkpoint (umt_mm, or the converted official b16_25m.pth)
stage2_checkpoint = 'work_dirs/stage2_vitb_25m/epoch_10.pth'
model = dict(pretrained=stage2_checkpoint,
             answer_list=_base_.answer_list,
             vision_encoder=dict(drop_path_rate=0.2))
optim_wrapper = dict(optimizer=dict(lr=4e-5))
train_cfg = dict(max_epochs=12)
