# MSRVTT multiple choice (retrieval fine-tuning on 7k) of UMT-B stage 2 (17M
# corpus), official exp/finetuning/mc_msrvtt/b16_17m.py: lr 2e-5, 5 epochs,
# no warm-up, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/mc_msrvtt_vitb_17m.py 8
_base_ = ['./mc_msrvtt_vitb_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official b16_17m.pth)
load_from = 'work_dirs/stage2_vitb_17m/epoch_10.pth'
optim_wrapper = dict(optimizer=dict(lr=2e-5))
