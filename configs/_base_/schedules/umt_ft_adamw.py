# Official UMT/VideoMAE fine-tuning optimisation: AdamW (0.9, 0.999), wd 0.05
# (none on 1-D parameters and pos_embed), layer-wise lr decay 0.75 (mmpretrain
# constructor; UMTViT.get_layer_depth: embeddings 0, block i i+1, head L+1),
# lr per 256 clips (auto_scale_lr), linear warm-up then cosine to 1e-6,
# EMA available (custom_hooks below, off by default as in the paper's runs).
# defaults: the official K710 fine-tuning of UMT-B from stage 1
# (exp/finetuning/k710/b16_ptk710_ftk710_f8_res224.sh); task configs
# override epochs / warm-up / lr with their own official script's values.
max_epochs = 35
warmup_epochs = 2
base_lr = 2e-4

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=base_lr, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='RecognizerLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        flat_decay_mult=0.0,
        custom_keys={'.pos_embed': dict(decay_mult=0.0)}),
    clip_grad=None)

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min=1e-6, by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True)
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=1)
# optional model EMA (official --model_ema):
# custom_hooks = [dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL')]
auto_scale_lr = dict(enable=True, base_batch_size=256)
