# UMT-L on Moments in Time V1 at 8x224^2 (alias: ft_mit_vitl), fine-tuned
# from the Kinetics-400 model (its K400 classifier is not reused: num_classes
# differs, so the backbone is loaded through init_cfg umt://).
_base_ = [
    '../_base_/models/umt_cls_vitl.py', '../_base_/datasets/mit_ft.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/ft_runtime.py'
]
model = dict(
    backbone=dict(init_cfg=dict(
        type='Pretrained', checkpoint='umt://work_dirs/'
        'umt-large-p16-res224_k710-pre_u8_k400-rgb/best.pth')),
    **_base_.label_model)
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=256)  # no repeated sampling
official_recipe = dict(
    gpus=16,
    script='single_modality/exp/finetuning/mitv1/'
    'l16_ptk710_ftk710_ftk400_ftmitv1_f8_res224.sh')
max_epochs = 20
warmup_epochs = 5
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
