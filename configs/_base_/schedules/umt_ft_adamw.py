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
# The schedulers are ratios of the (auto-scaled) lr, so the warm-up start
# and the floor scale with it as officially; MiT (num_sample 1) sets
# base_batch_size=256. `tools/analysis/print_recipe.py CONFIG` prints the
# effective values.
#
# Precision: the one key is ``optim_wrapper.dtype``: 'bfloat16' (default),
# 'float16' (with mmengine's dynamic loss scaler, like the official
# DeepSpeed fp16) or 'float32' (autocast off). AmpOptimWrapper needs a GPU.
#
# Defaults: the official K710 fine-tuning of UMT-B from stage 1
# (exp/finetuning/k710/b16_ptk710_ftk710_f8_res224.sh).
max_epochs = 35
warmup_epochs = 2
base_lr = 2e-4
warmup_lr = 1e-6
min_lr = 1e-6

optim_wrapper = dict(
    type='AmpOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(
        type='AdamW', lr=base_lr, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='RecognizerLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        flat_decay_mult=0.0,
        custom_keys={'.pos_embed': dict(decay_mult=0.0)}),
    clip_grad=None)

param_scheduler = [
    dict(type='LinearLR', start_factor=warmup_lr / base_lr, by_epoch=True,
         begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=min_lr / base_lr, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=1)
# optional model EMA (official --model_ema):
# custom_hooks = [dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL')]
auto_scale_lr = dict(enable=True, base_batch_size=128)
