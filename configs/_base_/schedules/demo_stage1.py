# Short schedule for the synthetic demo data: tiny models, a few epochs,
# 1 linear warm-up epoch then cosine decay, with a large lr so something is
# learnt within minutes on a CPU. No lr auto-scaling (the lr is absolute).
base_lr = 1e-3
max_epochs = 5
warmup_epochs = 1

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=base_lr, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={'.pos_embed': dict(decay_mult=0.)}),
    clip_grad=None)

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        end_factor=1.0,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min_ratio=0.01,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)

auto_scale_lr = dict(enable=False, base_batch_size=8)
