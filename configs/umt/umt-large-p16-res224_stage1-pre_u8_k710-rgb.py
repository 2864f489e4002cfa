# UMT-L intermediate fine-tuning on Kinetics-710 from the stage-1 student
# (alias: ft_k710_vitl). Set the stage-1 checkpoint (umt_mm, or official
# encoder.* / stage-2 vision_encoder.* — only the student is loaded):
#   --cfg-options model.backbone.init_cfg.checkpoint=umt://PATH
_base_ = [
    '../_base_/models/umt_cls_vitl.py', '../_base_/datasets/kinetics710_ft.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/ft_runtime.py'
]
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='umt://checkpoints/umt_large_stage1.pth')),
    **_base_.label_model)
official_recipe = dict(
    gpus=16, script='single_modality/exp/finetuning/'
    'k710/l16_ptk710_ftk710_f8_res224.sh')
max_epochs = 20
warmup_epochs = 2
base_lr = 1e-4  # per 256 clips; warm-up start and floor: 1e-6 per 256 clips
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=base_lr),
                     paramwise_cfg=dict(layer_decay_rate=0.85))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / base_lr, by_epoch=True,
         begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=1e-6 / base_lr, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
