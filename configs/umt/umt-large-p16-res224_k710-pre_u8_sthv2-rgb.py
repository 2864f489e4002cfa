# UMT-L on Something-Something V2 from the Kinetics-710 *pre-trained*
# (stage-1) student, 8 frames, 2x3 views (alias: ft_ssv2_vitl; paper
# Table 11: "K710*", labels of extra data unused): lr 4e-4, 14 epochs,
# 4 warm-up, layer decay 0.85.
_base_ = [
    '../_base_/models/umt_cls_vitl_stage1-init.py',
    '../_base_/datasets/sthv2_ft.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/ft_runtime.py'
]
model = _base_.label_model
official_recipe = dict(
    gpus=16, script='single_modality/exp/finetuning/'
    'ssv2/l16_ptk710_ftssv2_f8_res224.sh')
train_cfg = dict(max_epochs=14)
optim_wrapper = dict(optimizer=dict(lr=4e-4),
                     paramwise_cfg=dict(layer_decay_rate=0.85))
warmup = dict(_base_.warmup, end=4)
cosine = dict(_base_.cosine, begin=4)
param_scheduler = [warmup, cosine]
