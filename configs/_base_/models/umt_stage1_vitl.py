# UMT stage 1, ViT-L/16 student distilled from CLIP-ViT-L/14 at 196 px
# (14x14 tokens, the same grid as the student's 224 px / patch 16).
_base_ = ['./umt_stage1_vitb.py']
model = dict(
    backbone=dict(arch='l', drop_path_rate=0.2),
    teacher=dict(arch='l14', input_resolution=196),
    head=dict(in_channels=1024, out_channels=768))
