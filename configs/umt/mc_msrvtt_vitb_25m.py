# MSRVTT multiple choice (retrieval fine-tuning on 7k) of UMT-B stage 2 (25M
# corpus), official exp/finetuning/mc_msrvtt/b16_25m.py: lr 8e-5, 3 epochs,
# no warm-up, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/mc_msrvtt_vitb_25m.py 8
_base_ = ['./mc_msrvtt_vitb_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official b16_25m.pth)
load_from = 'work_dirs/stage2_vitb_25m/epoch_10.pth'
train_cfg = dict(max_epochs=3)
