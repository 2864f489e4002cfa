# ActivityNet-QA fine-tuning of UMT-L stage 2 (25M
# corpus), official exp/finetuning/qa_anet/l16_25m.py: lr 4e-5, 10 epochs,
# 1 warm-up epoch, drop path 0.3, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/qa_anet_vitl_25m.py 8
_base_ = ['./qa_anet_vitl_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official l16_25m.pth)
model = dict(pretrained='work_dirs/stage2_vitl_25m/epoch_10.pth')
