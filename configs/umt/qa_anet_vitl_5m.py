# ActivityNet-QA fine-tuning of UMT-L stage 2 (5M
# corpus), official exp/finetuning/qa_anet/l16_5m.py: lr 4e-5, 10 epochs,
# 1 warm-up epoch, drop path 0.3, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/qa_anet_vitl_5m.py 8
_base_ = [
    '../_base_/models/umt_qa_vitl.py',
    '../_base_/datasets/qa_anet.py',
    '../_base_/schedules/video_language_ft.py',
    '../_base_/default_runtime.py'
]
# a stage-2 checkpoint (umt_mm, or the converted official l16_5m.pth)
model = dict(pretrained='work_dirs/stage2_vitl_5m/epoch_10.pth',
             answer_list=_base_.answer_list,
             vision_encoder=dict(drop_path_rate=0.3))
optim_wrapper = dict(optimizer=dict(lr=4e-5))
train_cfg = dict(max_epochs=10)
