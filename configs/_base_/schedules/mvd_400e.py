# MVD schedule (ruiwang2021/mvd scripts): the VideoMAE recipe for 400
# epochs with the cosine ending at 1e-4 (the scripts' --min_lr).
_base_ = ['./videomae_1600e.py']
param_scheduler = [
    {{_base_.warmup}},
    dict(type='CosineAnnealingLR', T_max=360, eta_min_ratio=1e-4 / 1.5e-4,
         by_epoch=True, begin=40, end=400, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=400)
