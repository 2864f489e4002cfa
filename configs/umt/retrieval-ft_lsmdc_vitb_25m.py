# LSMDC retrieval fine-tuning of UMT-B stage 2 (25M
# corpus), official exp/finetuning/ret_lsmdc/b16_25m.py: lr 2e-5, 10 epochs,
# 1 warm-up epoch, drop path 0.2, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/retrieval-ft_lsmdc_vitb_25m.py 8
_base_ = ['./retrieval-ft_lsmdc_vitb_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official b16_25m.pth)
load_from = 'work_dirs/stage2_vitb_25m/epoch_10.pth'
