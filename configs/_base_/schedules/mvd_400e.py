# MVD schedule (ruiwang2021/mvd scripts): the VideoMAE recipe for 400
# epochs with the cosine ending at 1e-4 (the scripts' --min_lr).
_base_ = ['./videomae_1600e.py']
cosine = dict(_base_.cosine, min_lr=1e-4)
param_scheduler = [_base_.warmup, cosine]
train_cfg = dict(max_epochs=400)
