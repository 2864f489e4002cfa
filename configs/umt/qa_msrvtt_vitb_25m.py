# MSRVTT-QA fine-tuning of UMT-B stage 2 (25M
# corpus), official exp/finetuning/qa_msrvtt/b16_25m.py: lr 2e-5, 8 epochs,
# 1 warm-up epoch, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
# (the release's qa_msrvtt/b16_25m.py describes a ViT-L; these are the
# settings of qa_msrvtt/b16_17m.py)
#   tools/dist_train.sh configs/umt/qa_msrvtt_vitb_25m.py 8
_base_ = ['./qa_msrvtt_vitb_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official b16_25m.pth)
model = dict(pretrained='work_dirs/stage2_vitb_25m/epoch_10.pth')
