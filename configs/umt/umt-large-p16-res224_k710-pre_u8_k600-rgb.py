# UMT-L on Kinetics-600 from the Kinetics-710 fine-tuned model (alias:
# ft_k600_vitl). load_from is the K710 recognizer; its 710-way classifier
# is cut to the K600 classes by the shipped channel map (mmaction2's
# uniformerv2/k710_channel_map).
_base_ = [
    '../_base_/models/umt_cls_vitl.py', '../_base_/datasets/kinetics600_ft.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/default_runtime.py'
]
num_classes = 600
model = dict(
    cls_head=dict(num_classes=num_classes,
                  channel_map='configs/umt/k710_channel_map/map_k600.json'),
    data_preprocessor=dict(blending=dict(augments=[
        dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
        dict(type='CutmixBlending', alpha=1.0, num_classes=num_classes)
    ])))
default_hooks = dict(checkpoint=dict(save_best='auto', max_keep_ckpts=2))
load_from = 'work_dirs/umt-large-p16-res224_stage1-pre_u8_k710-rgb/best.pth'

# official recipe, values of exp/finetuning/k600/l16_ptk710_ftk710_ftk600_f8_res224.sh; layer decay 0.85 (assumed: that script was not available; the closest official one is used):
# 5 epochs, 1 warm-up, lr 1e-05 per 256 clips
train_cfg = dict(max_epochs=5)
optim_wrapper = dict(optimizer=dict(lr=1e-05), paramwise_cfg=dict(layer_decay_rate=0.85))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=4, eta_min=1e-6,
         by_epoch=True, begin=1, end=5,
         convert_to_iter_based=True)
]
