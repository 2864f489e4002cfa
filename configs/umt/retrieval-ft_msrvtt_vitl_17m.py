# MSR-VTT retrieval fine-tuning (9k train, 1k-A test) of UMT-L stage 2 (17M
# corpus), official exp/finetuning/ret_msrvtt/l16_17m.py: lr 2e-5, 7 epochs,
# 1 warm-up epoch, drop path 0.3, 12 frames, batch 32 x 8 GPUs.
#   tools/dist_train.sh configs/umt/retrieval-ft_msrvtt_vitl_17m.py 8
_base_ = ['./retrieval-ft_msrvtt_vitl_5m.py']
# a stage-2 checkpoint (umt_mm, or the converted official l16_17m.pth)
load_from = 'work_dirs/stage2_vitl_17m/epoch_10.pth'
