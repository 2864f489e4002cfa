# MSVD retrieval fine-tuning of UMT-L stage 2 (25M
# corpus), official exp/finetuning/ret_msvd/l16_25m.py: lr 1e-5, 3 epochs,
# no warm-up, drop path 0.3, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/retrieval-ft_msvd_vitl_25m.py 8
_base_ = ['./retrieval-ft_msvd_vitl_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official l16_25m.pth)
load_from = 'work_dirs/stage2_vitl_25m/epoch_10.pth'
