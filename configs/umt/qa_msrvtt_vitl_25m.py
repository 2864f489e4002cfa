# MSRVTT-QA fine-tuning of UMT-L stage 2 (25M
# corpus), official exp/finetuning/qa_msrvtt/l16_25m.py: lr 4e-5, 5 epochs,
# 1 warm-up epoch, drop path 0.4, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/qa_msrvtt_vitl_25m.py 8
_base_ = ['./qa_msrvtt_vitl_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official l16_25m.pth)
model = dict(pretrained='work_dirs/stage2_vitl_25m/epoch_10.pth')
optim_wrapper = dict(optimizer=dict(lr=4e-5))
train_cfg = dict(max_epochs=5)
