# Official UMT/VideoMAE fine-tuning optimisation (run_class_finetuning.py):
# AdamW (0.9, 0.999), wd 0.05 (none on 1-D parameters and pos_embed),
# layer-wise lr decay 0.75 (mmpretrain constructor; UMTViT.get_layer_depth:
# embeddings 0, block i i+1, head L+1), linear warm-up from warmup_lr, then
# cosine to min_lr, mixed precision, EMA available (off as in the paper).
#
# Learning rates: the official script multiplies lr, min_lr and warmup_lr by
# total_batch * num_sample / 256, i.e. they are per 256 *clips*; with
# repeated sampling (RepeatAugDataset, num_repeats=2, official num_sample=2)
# every loaded video gives 2 clips, so auto_scale_lr refers to 128 videos.
# The schedulers take warmup_lr (start_lr) and min_lr in the same units as
# the lr; they turn them into ratios of the (auto-scaled) lr when built
# (umt_mm/engine/schedulers.py), so both scale with it as officially; MiT
# (num_sample 1) sets base_batch_size=256. `tools/analysis/print_recipe.py
# CONFIG` prints the effective values.
#
# A child changes the lr with optim_wrapper.optimizer.lr, the epochs with
# train_cfg.max_epochs (the cosine ends there) and the warm-up with
#   warmup = dict(_base_.warmup, end=5)
#   cosine = dict(_base_.cosine, begin=5)
#   param_scheduler = [warmup, cosine]
# (docs/configs.md).
#
# Precision: the one key is ``optim_wrapper.dtype``: 'bfloat16' (default),
# 'float16' (with mmengine's dynamic loss scaler, like the official
# DeepSpeed fp16) or 'float32' (autocast off). AmpOptimWrapper needs a GPU.
#
# Defaults: the official K710 fine-tuning of UMT-B from stage 1
# (exp/finetuning/k710/b16_ptk710_ftk710_f8_res224.sh): lr 2e-4, 35 epochs,
# 2 warm-up epochs from 1e-6, floor 1e-6.
optim_wrapper = dict(
    type='AmpOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(
        type='AdamW', lr=2e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='RecognizerLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        flat_decay_mult=0.0,
        custom_keys={'.pos_embed': dict(decay_mult=0.0)}),
    clip_grad=None)

warmup = dict(type='ScaledLinearLR', start_lr=1e-6, by_epoch=True, begin=0,
              end=2, convert_to_iter_based=True)
cosine = dict(type='ScaledCosineAnnealingLR', min_lr=1e-6, by_epoch=True,
              begin=2, convert_to_iter_based=True)
param_scheduler = [warmup, cosine]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=35,
                 val_begin=1, val_interval=1)
# optional model EMA (official --model_ema):
# custom_hooks = [dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL')]
auto_scale_lr = dict(enable=True, base_batch_size=128)
