# VideoMAE ViT-L/16 on K400, 1600 epochs, 64 GPUs x 8 clips (official).
_base_ = [
    '../_base_/models/videomae_vitl.py', '../_base_/datasets/k400_mae_pt.py',
    '../_base_/schedules/videomae_1600e.py', '../_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=8)
