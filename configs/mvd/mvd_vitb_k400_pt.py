# MVD ViT-B/16 from ViT-B teachers on K400, 400 epochs; official runs use
# 16 clips per GPU with 2 accumulation steps.
#   tools/dist_train.sh configs/mvd/mvd_vitb_k400_pt.py 8
_base_ = [
    '../_base_/models/mvd_vitb.py', '../_base_/datasets/k400_mae_pt.py',
    '../_base_/schedules/mvd_400e.py', '../_base_/default_runtime.py'
]
model = dict(
    targets=dict(
        img=dict(pretrained='checkpoints/mae/mae_pretrain_vit_base.pth'),
        vid=dict(pretrained='checkpoints/videomae/k400_videomae_pretrain_'
                 'base_patch16_224_frame_16x4_tube_mask_ratio_0.9_e1600.pth')))
train_dataloader = dict(batch_size=16)
optim_wrapper = dict(accumulative_counts=2)
