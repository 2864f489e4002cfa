# MSRVTT multiple choice (retrieval fine-tuning on 7k) of UMT-L stage 2 (17M
# corpus), official exp/finetuning/mc_msrvtt/l16_17m.py: lr 4e-5, 5 epochs,
# no warm-up, drop path 0.3, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/mc_msrvtt_vitl_17m.py 8
_base_ = ['./mc_msrvtt_vitl_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official l16_17m.pth)
load_from = 'work_dirs/stage2_vitl_17m/epoch_10.pth'
