# MSVD-QA fine-tuning of UMT-B stage 2 (25M
# corpus), official exp/finetuning/qa_msvd/b16_25m.py: lr 6e-5, 6 epochs,
# 1 warm-up epoch, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/qa_msvd_vitb_25m.py 8
_base_ = ['./qa_msvd_vitb_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official b16_25m.pth)
model = dict(pretrained='work_dirs/stage2_vitb_25m/epoch_10.pth')
optim_wrapper = dict(optimizer=dict(lr=6e-5))
train_cfg = dict(max_epochs=6)
