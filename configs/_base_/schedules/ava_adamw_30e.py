# Official UMT AVA fine-tuning (exp/b16_ptk710_ftk710_ftava_f8_res224.sh):
# AdamW(0.9, 0.999), wd 0.05, lr 2.5e-4 * total_batch / 256 = 1.25e-4 at
# total batch 128 (16 GPUs x 8), 5 warm-up epochs from ~0, cosine to
# min_lr 1e-6 * 128 / 256, no gradient clipping, layer-wise lr decay.
max_epochs = 30
warmup_epochs = 5
base_lr = 1.25e-4
min_lr = 5e-7

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1,
    val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(
        type='AdamW', lr=base_lr, betas=(0.9, 0.999), weight_decay=0.05),
    # mmpretrain's layer decay over UMTViT.get_layer_depth (official ids:
    # embeddings 0, block i i+1, head L+1); no decay on 1-D params/pos_embed
    constructor='RecognizerLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        flat_decay_mult=0.0,
        custom_keys={'.pos_embed': dict(decay_mult=0.0)}))

param_scheduler = [
    dict(type='LinearLR', start_factor=min_lr / base_lr, by_epoch=True,
         begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=min_lr / base_lr, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]


# lrs above are for a total batch of 128; --auto-scale-lr rescales them
auto_scale_lr = dict(enable=False, base_batch_size=128)
