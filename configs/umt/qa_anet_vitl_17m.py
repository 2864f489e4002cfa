# ActivityNet-QA fine-tuning of UMT-L stage 2 (17M
# corpus), official exp/finetuning/qa_anet/l16_17m.py: lr 4e-5, 12 epochs,
# 1 warm-up epoch, drop path 0.3, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/qa_anet_vitl_17m.py 8
_base_ = ['./qa_anet_vitl_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official l16_17m.pth)
model = dict(pretrained='work_dirs/stage2_vitl_17m/epoch_10.pth')
train_cfg = dict(max_epochs=12)
