# UMT-L stage 1 on Kinetics-710, CLIP-ViT-L/14 teacher at 196 px.
_base_ = [
    '../_base_/models/umt_stage1_vitl.py',
    '../_base_/datasets/k710_stage1.py',
    '../_base_/schedules/umt_stage1_201e.py', '../_base_/default_runtime.py'
]
model = dict(teacher=dict(pretrained='checkpoints/clip/ViT-L-14.pt'))
official_recipe = dict(
    gpus=32, script='single_modality/exp/pretraining/l16_ptk710_f8_res224.sh')
