# umt_cls_vitb.py initialised from the UMT-B stage-1 student (umt_mm, or
# official encoder.* / stage-2 vision_encoder.*; only the student is
# loaded). Set the file with
#   --cfg-options model.backbone.init_cfg.checkpoint=umt://PATH
_base_ = ['./umt_cls_vitb.py']
model = dict(backbone=dict(init_cfg=dict(
    type='Pretrained', checkpoint='umt://checkpoints/umt_base_stage1.pth')))
