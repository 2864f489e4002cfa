# UMT-B on Something-Something V2 from the Kinetics-710 *pre-trained*
# (stage-1) student, 8 frames, 2x3 views (alias: ft_ssv2_vitb; paper
# Table 11: "K710*", labels of extra data unused).
_base_ = [
    '../_base_/models/umt_cls_vitb.py', '../_base_/datasets/sthv2_ft.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/ft_runtime.py'
]
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='umt://checkpoints/umt_base_stage1.pth')),
    **_base_.label_model)
official_recipe = dict(
    gpus=16, script='single_modality/exp/finetuning/'
    'ssv2/b16_ptk710_ftssv2_f8_res224.sh')
max_epochs = 30
warmup_epochs = 5
base_lr = 2e-4  # per 256 clips; warm-up start and floor: 1e-6 per 256 clips
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / base_lr, by_epoch=True,
         begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=1e-6 / base_lr, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
