# MVD ViT-L/16 from ViT-L teachers on K400, 400 epochs (8 clips per GPU,
# 2 accumulation steps, as the official script).
_base_ = [
    '../_base_/models/mvd_vitl.py', '../_base_/datasets/k400_mae_pt.py',
    '../_base_/schedules/mvd_400e.py', '../_base_/default_runtime.py'
]
model = dict(
    targets=dict(
        img=dict(pretrained='checkpoints/mae/mae_pretrain_vit_large.pth'),
        vid=dict(pretrained='checkpoints/videomae/k400_videomae_pretrain_'
                 'large_patch16_224_frame_16x4_tube_mask_ratio_0.9_e1600.pth'))
)
train_dataloader = dict(batch_size=8)
optim_wrapper = dict(accumulative_counts=2)
