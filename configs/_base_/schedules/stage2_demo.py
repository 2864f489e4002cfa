# Short stage-2 schedule for the CPU demo: AdamW, 1 warm-up epoch then
# cosine. The pre-trained MiniLM text layers learn 10x slower than the
# randomly initialised tiny vision side, except the cross-modal layers
# (3, 4, 5 of MiniLM-L6 with fusion_layer=3): their new cross-attention and
# the matching it has to learn need the full lr (VTM stays at its prior at
# 0.1x; custom keys match longest first).
base_lr = 1e-3
max_epochs = 48
warmup_epochs = 1
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=base_lr, betas=(0.9, 0.999), weight_decay=0.02),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'text_encoder': dict(lr_mult=0.1),
            'bert.encoder.layer.3.': dict(lr_mult=1.0),
            'bert.encoder.layer.4.': dict(lr_mult=1.0),
            'bert.encoder.layer.5.': dict(lr_mult=1.0),
            'temp': dict(decay_mult=0.)
        }),
    clip_grad=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, end_factor=1.0, by_epoch=True,
         begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=0.01, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(enable=False, base_batch_size=8)
