# UMT stage-2 schedule (official multi_modality/exp/pretraining/*.py with
# utils/{optimizer,scheduler}.py): AdamW lr 1e-4, wd 0.02 (none on 1-D
# parameters and biases; the scalar ``temp`` is decayed as officially),
# 10 epochs, 1 linear warm-up epoch from 1% of the lr, cosine to 1% of the
# lr. The lr is absolute (not scaled): batch 128 per GPU on 16 GPUs (B,
# 2048) or 32 GPUs (L, 4096). Official cosine is clipped at 1% (max(0.01,
# cos)); mmengine's eta_min_ratio scales it into [1%, 100%] (at most 1% of
# the lr apart). Precision: the one key ``optim_wrapper.dtype``: 'bfloat16'
# (default), 'float16' (with mmengine's dynamic loss scaler, as the
# official fp16=True) or 'float32'; AmpOptimWrapper needs a GPU.
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
        custom_keys={'.pos_embed': dict(decay_mult=0.)}),
    clip_grad=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, end_factor=1.0, by_epoch=True,
         begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=0.01, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(enable=False, base_batch_size=4096)
