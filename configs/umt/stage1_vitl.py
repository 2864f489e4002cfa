# UMT-L stage 1 on Kinetics-710, CLIP-ViT-L/14 teacher at 196 px.
_base_ = [
    '../_base_/models/umt_stage1_vitl.py',
    '../_base_/datasets/k710_stage1.py',
    '../_base_/schedules/umt_stage1_200e.py', '../_base_/default_runtime.py'
]
model = dict(teacher=dict(pretrained='checkpoints/clip/ViT-L-14.pt'))
