# umt_cls_vitl.py initialised from the UMT-L stage-1 student (see the ViT-B
# variant).
_base_ = ['./umt_cls_vitl.py']
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained', checkpoint='umt://checkpoints/umt_large_stage1.pth')))
