# ActivityNet-QA fine-tuning of UMT-B stage 2 (17M
# corpus), official exp/finetuning/qa_anet/b16_17m.py: lr 4e-5, 12 epochs,
# 1 warm-up epoch, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/qa_anet_vitb_17m.py 8
_base_ = ['./qa_anet_vitb_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official b16_17m.pth)
model = dict(pretrained='work_dirs/stage2_vitb_17m/epoch_10.pth')
