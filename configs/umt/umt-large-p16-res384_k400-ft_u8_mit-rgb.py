# UMT-L on Moments in Time V1 at 8x384^2 (alias: ft_mit_vitl_384; paper
# Table 10: fine-tuned from the Kinetics-400 model). The 224-px backbone is
# adapted to 384 px: the fixed 8x14x14 table is interpolated to 8x24x24
# (learnable, official), a learned one is resized on load; the K400
# classifier is not reused (num_classes differs: the backbone is loaded
# through init_cfg umt://).
_base_ = [
    '../_base_/models/umt_cls_vitl.py', '../_base_/datasets/mit_ft_384.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/ft_runtime.py'
]
model = dict(
    backbone=dict(
        img_size=384, pos_embed='learnable', pretrain_grid=(8, 14, 14),
        with_cp=True, num_cp_layers=18,
        init_cfg=dict(type='Pretrained', checkpoint='umt://work_dirs/'
                      'umt-large-p16-res224_k710-pre_u8_k400-rgb/best.pth')),
    **_base_.label_model)
train_dataloader = dict(batch_size=8)
auto_scale_lr = dict(base_batch_size=256)  # no repeated sampling
# official test_num_segment 6: 6 clips x 3 crops
test_dataloader = dict(dataset=dict(pipeline=[
    dict(t, num_clips=6) if t.type == 'UniformSample' else t
    for t in _base_.test_dataloader.dataset.pipeline]))
official_recipe = dict(
    gpus=16,
    script='single_modality/exp/finetuning/mitv1/'
    'l16_ptk710_ftk710_ftk400_ftmitv1_f8_res384.sh')
max_epochs = 4
warmup_epochs = 1
base_lr = 1e-5  # per 256 clips; warm-up start and floor: 1e-6 per 256 clips
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=0.1),
                     paramwise_cfg=dict(layer_decay_rate=0.85))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6 / base_lr, by_epoch=True,
         begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=1e-6 / base_lr, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
