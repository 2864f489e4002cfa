# umt_cls_vitl.py initialised from the backbone of the UMT-L Kinetics-400
# model (see the ViT-B variant).
_base_ = ['./umt_cls_vitl.py']
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained', checkpoint='umt://work_dirs/'
    'umt-large-p16-res224_k710-pre_u8_k400-rgb/best.pth')))
