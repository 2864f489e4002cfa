# MSVD-QA fine-tuning of UMT-L stage 2 (17M
# corpus), official exp/finetuning/qa_msvd/l16_17m.py: lr 6e-5, 6 epochs,
# 1 warm-up epoch, drop path 0.4, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/qa_msvd_vitl_17m.py 8
_base_ = ['./qa_msvd_vitl_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official l16_17m.pth)
model = dict(pretrained='work_dirs/stage2_vitl_17m/epoch_10.pth')
