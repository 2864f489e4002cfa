# ActivityNet paragraph retrieval fine-tuning of UMT-L stage 2 (25M
# corpus), official exp/finetuning/ret_anet/l16_25m.py: lr 4e-5, 20 epochs,
# 1 warm-up epoch, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/retrieval-ft_anet_vitl_25m.py 8
_base_ = ['./retrieval-ft_anet_vitl_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official l16_25m.pth)
load_from = 'work_dirs/stage2_vitl_25m/epoch_10.pth'
