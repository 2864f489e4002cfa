# UMT-B stage 1 on Kinetics-710: 201 epochs (official script), batch
# 64 x 32 GPUs (lr scaled from 1.5e-4 per 256 clips by auto_scale_lr), mask
# 0.8 semantic, 6 layers aligned, bf16 mixed precision.
#   tools/dist_train.sh configs/umt/stage1_vitb.py 8
_base_ = [
    '../_base_/models/umt_stage1_vitb.py',
    '../_base_/datasets/k710_stage1.py',
    '../_base_/schedules/umt_stage1_201e.py', '../_base_/default_runtime.py'
]
# The teacher checkpoint: the one key to set.
model = dict(teacher=dict(pretrained='checkpoints/clip/ViT-B-16.pt'))
official_recipe = dict(
    gpus=32, script='single_modality/exp/pretraining/b16_ptk710_f8_res224.sh')
