# UMT-L on Something-Something V2 from the Kinetics-710 *pre-trained*
# (stage-1) student, 8 frames, 2x3 views (alias: ft_ssv2_vitl; paper
# Table 11: "K710*", labels of extra data unused).
_base_ = [
    '../_base_/models/umt_cls_vitl.py', '../_base_/datasets/sthv2_ft.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/default_runtime.py'
]
num_classes = 174
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained', checkpoint='umt://checkpoints/umt_large_stage1.pth')),
    cls_head=dict(num_classes=num_classes),
    data_preprocessor=dict(blending=dict(augments=[
        dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
        dict(type='CutmixBlending', alpha=1.0, num_classes=num_classes)
    ])))
default_hooks = dict(checkpoint=dict(save_best='auto', max_keep_ckpts=2))

# official recipe, values of exp/finetuning/ssv2/l16_ptk710_ftk710_ftssv2_f16_res224.sh; layer decay 0.85 (assumed: that script was not available; the closest official one is used):
# 30 epochs, 5 warm-up, lr 0.0002 per 256 clips
train_cfg = dict(max_epochs=30)
optim_wrapper = dict(optimizer=dict(lr=0.0002), paramwise_cfg=dict(layer_decay_rate=0.85))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=25, eta_min=1e-6,
         by_epoch=True, begin=5, end=30,
         convert_to_iter_based=True)
]
