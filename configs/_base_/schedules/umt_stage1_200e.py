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
# schedulers are built. The schedulers take warmup_lr and min_lr in the
# units of the base lr and turn them into ratios of that scaled lr when
# built (umt_mm/engine/schedulers.py), so warm-up start and cosine floor
# scale with it exactly as officially:
#   LinearLR start_factor = warmup_lr / lr = 1e-6 / 1.5e-4 = 1/150
#   CosineAnnealingLR eta_min_ratio = min_lr / lr = 1e-5 / 1.5e-4 = 1/15
# (an absolute ``eta_min`` would NOT be rescaled by auto_scale_lr). The
# cosine ends at train_cfg.max_epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.5e-4, betas=(0.9, 0.95), weight_decay=0.05),
    # no weight decay on norms, biases and positional embeddings (official
    # optim_factory skips 1-D params and model.no_weight_decay())
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={'.pos_embed': dict(decay_mult=0.)}),
    clip_grad=None)

warmup = dict(type='ScaledLinearLR', start_lr=1e-6, by_epoch=True, begin=0,
              end=40, convert_to_iter_based=True)
cosine = dict(type='ScaledCosineAnnealingLR', min_lr=1e-5, by_epoch=True,
              begin=40, convert_to_iter_based=True)
param_scheduler = [warmup, cosine]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200)

# total batch the base lr refers to; enabled by default so that
# 64 x 32 GPUs gives 1.5e-4 * 2048 / 256 = 1.2e-3 as in the paper
auto_scale_lr = dict(enable=True, base_batch_size=256)
