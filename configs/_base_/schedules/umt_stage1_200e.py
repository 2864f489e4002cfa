# UMT stage-1 pre-training schedule (official single_modality recipe:
# AdamW lr 1.5e-4 * total_batch / 256, betas (0.9, 0.95), wd 0.05,
# 40 warm-up epochs from warmup_lr, cosine decay to min_lr; the official
# script runs 201 epochs, the paper reports 200).
#
# Learning-rate arithmetic
# ------------------------
# The official code scales *all three* lrs by total_batch / 256:
#   lr        = 1.5e-4 * 2048 / 256 = 1.2e-3   (64 clips x 32 GPUs = 2048)
#   warmup_lr = 1e-6   * 2048 / 256 = 8e-6
#   min_lr    = 1e-5   * 2048 / 256 = 8e-5
# Here the optimizer keeps the *base* lr 1.5e-4 and ``auto_scale_lr`` is on:
# mmengine's ``Runner.scale_lr`` multiplies every param group's lr by
# (world_size * train_dataloader.batch_size) / base_batch_size before the
# schedulers are built. The schedulers are expressed as ratios of that scaled
# lr, so warm-up start and cosine floor scale with it exactly as officially:
#   LinearLR start_factor = warmup_lr / lr = 1e-6 / 1.5e-4 = 1/150
#   CosineAnnealingLR eta_min_ratio = min_lr / lr = 1e-5 / 1.5e-4 = 1/15
# (an absolute ``eta_min`` would NOT be rescaled by auto_scale_lr).
base_lr = 1.5e-4
warmup_lr = 1e-6
min_lr = 1e-5
max_epochs = 200
warmup_epochs = 40

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=base_lr, betas=(0.9, 0.95), weight_decay=0.05),
    # no weight decay on norms, biases and positional embeddings (official
    # optim_factory skips 1-D params and model.no_weight_decay())
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={'.pos_embed': dict(decay_mult=0.)}),
    clip_grad=None)

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=warmup_lr / base_lr,
        end_factor=1.0,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min_ratio=min_lr / base_lr,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)

# total batch the base lr refers to; enabled by default so that
# 64 x 32 GPUs gives 1.5e-4 * 2048 / 256 = 1.2e-3 as in the paper
auto_scale_lr = dict(enable=True, base_batch_size=256)
