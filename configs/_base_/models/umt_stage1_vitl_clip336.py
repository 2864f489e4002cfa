# UMT stage 1 with the CLIP-ViT-L/14@336 teacher (the official release's
# clip_l14_336 preset, ViT-L-14-336px.pt; no official script uses it): the
# teacher sees 336 px (24x24 tokens, its native positional table), so the
# ViT-L/16 student takes 384 px (24x24 tokens) and the dataset pipeline must
# crop 384 px. Set model.teacher.pretrained to the 336-px CLIP file.
_base_ = ['./umt_stage1_vitl.py']
model = dict(
    backbone=dict(img_size=384),
    teacher=dict(arch='l14', input_resolution=336))
