# umt_cls_vitb.py initialised from the backbone of the UMT-B Kinetics-400
# model (umt-base-p16-res224_k710-pre_u8_k400-rgb.py; its classifier is not
# reused: other datasets have other classes). Set the file with
#   --cfg-options model.backbone.init_cfg.checkpoint=umt://PATH
_base_ = ['./umt_cls_vitb.py']
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained', checkpoint='umt://work_dirs/'
    'umt-base-p16-res224_k710-pre_u8_k400-rgb/best.pth')))
