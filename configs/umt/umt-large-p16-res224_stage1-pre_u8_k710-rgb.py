# UMT-L intermediate fine-tuning on Kinetics-710 from the stage-1 student
# (alias: ft_k710_vitl). Set the stage-1 checkpoint (umt_mm, or official
# encoder.* / stage-2 vision_encoder.* — only the student is loaded):
#   --cfg-options model.backbone.init_cfg.checkpoint=umt://PATH
_base_ = [
    '../_base_/models/umt_cls_vitl.py', '../_base_/datasets/kinetics710_ft.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/default_runtime.py'
]
num_classes = 710
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained', checkpoint='umt://checkpoints/umt_large_stage1.pth')),
    cls_head=dict(num_classes=num_classes),
    data_preprocessor=dict(blending=dict(augments=[
        dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
        dict(type='CutmixBlending', alpha=1.0, num_classes=num_classes)
    ])))
default_hooks = dict(checkpoint=dict(save_best='auto', max_keep_ckpts=2))

# official recipe, exp/finetuning/k710/l16_ptk710_ftk710_f8_res224.sh; layer decay 0.85:
# 20 epochs, 2 warm-up, lr 0.0001 per 256 clips
train_cfg = dict(max_epochs=20)
optim_wrapper = dict(optimizer=dict(lr=0.0001), paramwise_cfg=dict(layer_decay_rate=0.85))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=2, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=18, eta_min=1e-6,
         by_epoch=True, begin=2, end=20,
         convert_to_iter_based=True)
]
