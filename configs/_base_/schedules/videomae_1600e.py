# VideoMAE K400 schedule: the UMT stage-1 recipe (AdamW 1.5e-4 per 256
# clips, betas (0.9, 0.95), wd 0.05, 40 warm-up epochs from 1e-6, cosine to
# 1e-5) run for 1600 epochs; no decay on the decoder's mask tokens.
_base_ = ['./umt_stage1_200e.py']
max_epochs = 1600
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'.mask_token': dict(decay_mult=0.)}))
warmup = dict(
    type='LinearLR',
    start_factor=1e-6 / 1.5e-4,
    by_epoch=True,
    begin=0,
    end=40,
    convert_to_iter_based=True)
param_scheduler = [
    warmup,
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 40,
        eta_min_ratio=1e-5 / 1.5e-4,
        by_epoch=True,
        begin=40,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
