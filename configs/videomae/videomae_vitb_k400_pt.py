# VideoMAE ViT-B/16 on K400, 1600 epochs, 64 GPUs x 32 clips:
#   tools/dist_train.sh configs/videomae/videomae_vitb_k400_pt.py 8
_base_ = [
    '../_base_/models/videomae_vitb.py', '../_base_/datasets/k400_mae_pt.py',
    '../_base_/schedules/videomae_1600e.py', '../_base_/default_runtime.py'
]
