# UMT stage-2 schedule (paper / official multi_modality): AdamW lr 1e-4,
# wd 0.02, 10 epochs, 1 linear warm-up epoch then cosine to 1% of the lr,
# bf16 autocast (AmpOptimWrapper). The lr is absolute for 128 x 32 GPUs.
base_lr = 1e-4
max_epochs = 10
warmup_epochs = 1
optim_wrapper = dict(
    type='AmpOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(
        type='AdamW', lr=base_lr, betas=(0.9, 0.999), weight_decay=0.02),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            '.pos_embed': dict(decay_mult=0.),
            'temp': dict(decay_mult=0.)
        }),
    clip_grad=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, end_factor=1.0, by_epoch=True,
         begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=0.01, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(enable=False, base_batch_size=4096)
