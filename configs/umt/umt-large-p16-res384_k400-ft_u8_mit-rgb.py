# UMT-L on Moments in Time V1 at 8x384^2 (alias: ft_mit_vitl_384; paper
# Table 10: fine-tuned from the Kinetics-400 model). The 224-px backbone of
# load_from is adapted to 384 px: the fixed 8x14x14 table is interpolated
# to 8x24x24 (learnable, official), a learned one is resized on load; the
# K400 classifier is not reused (num_classes differs: drop cls_head.* from
# the checkpoint or train with a fresh head via backbone init_cfg umt://).
_base_ = [
    '../_base_/models/umt_cls_vitl.py', '../_base_/datasets/mit_ft_384.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/default_runtime.py'
]
num_classes = 339
model = dict(
    backbone=dict(
        img_size=384, pos_embed='learnable', pretrain_grid=(8, 14, 14),
        init_cfg=dict(type='Pretrained', checkpoint='umt://work_dirs/'
                      'umt-large-p16-res224_k710-pre_u8_k400-rgb/best.pth')),
    cls_head=dict(num_classes=num_classes),
    data_preprocessor=dict(blending=dict(augments=[
        dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
        dict(type='CutmixBlending', alpha=1.0, num_classes=num_classes)
    ])))
default_hooks = dict(checkpoint=dict(save_best='auto', max_keep_ckpts=2))

# official recipe, values of exp/finetuning/mitv1/l16_ptk710_ftk710_ftk400_ftmitv1_f8_res384.sh; layer decay 0.85, wd 0.1 (assumed: that script was not available; the closest official one is used):
# 4 epochs, 1 warm-up, lr 1e-05 per 256 clips
train_cfg = dict(max_epochs=4)
optim_wrapper = dict(optimizer=dict(lr=1e-05, weight_decay=0.1), paramwise_cfg=dict(layer_decay_rate=0.85))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=3, eta_min=1e-6,
         by_epoch=True, begin=1, end=4,
         convert_to_iter_based=True)
]
