# UMT-B on Something-Something V2 from the Kinetics-710 *pre-trained*
# (stage-1) student, 8 frames, 2x3 views (alias: ft_ssv2_vitb; paper
# Table 11: "K710*", labels of extra data unused): 30 epochs, 5 warm-up.
_base_ = [
    '../_base_/models/umt_cls_vitb_stage1-init.py',
    '../_base_/datasets/sthv2_ft.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/ft_runtime.py'
]
model = _base_.label_model
official_recipe = dict(
    gpus=16, script='single_modality/exp/finetuning/'
    'ssv2/b16_ptk710_ftssv2_f8_res224.sh')
train_cfg = dict(max_epochs=30)
warmup = dict(_base_.warmup, end=5)
cosine = dict(_base_.cosine, begin=5)
param_scheduler = [warmup, cosine]
