# Video-language fine-tuning schedule (official exp/finetuning): AdamW
# betas (0.9, 0.999), wd 0.02 (none on norms, biases, temperature), one
# linear warm-up epoch then cosine to 1% of the lr until the last epoch,
# bf16 autocast, evaluation after every epoch. Children set the official lr
# (``optim_wrapper.optimizer.lr``) and epochs (``train_cfg.max_epochs``);
# the cosine ends at max_epochs (the runner's default ``end``).
optim_wrapper = dict(
    type='AmpOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(
        type='AdamW', lr=2e-5, betas=(0.9, 0.999), weight_decay=0.02),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={'temp': dict(decay_mult=0.)}),
    clip_grad=None)
warmup = dict(type='LinearLR', start_factor=1e-3, end_factor=1.0,
              by_epoch=True, begin=0, end=1, convert_to_iter_based=True)
cosine = dict(type='CosineAnnealingLR', eta_min_ratio=0.01, by_epoch=True,
              begin=1, convert_to_iter_based=True)
param_scheduler = [warmup, cosine]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# the official lr is absolute for batch 32 x 8 GPUs
auto_scale_lr = dict(enable=False, base_batch_size=256)
