# Official UMT AVA fine-tuning (exp/b16_ptk710_ftk710_ftava_f8_res224.sh):
# AdamW(0.9, 0.999), wd 0.05, lr 2.5e-4 * total_batch / 256 = 1.25e-4 at
# total batch 128 (16 GPUs x 8), 5 warm-up epochs from ~0, cosine to
# min_lr 1e-6 * 128 / 256 until train_cfg.max_epochs, no gradient clipping,
# layer-wise lr decay. Warm-up start and floor are given in the units of
# the lr (umt_mm/engine/schedulers.py: they scale with it).
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=30, val_begin=1,
    val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(
        type='AdamW', lr=1.25e-4, betas=(0.9, 0.999), weight_decay=0.05),
    # mmpretrain's layer decay over UMTViT.get_layer_depth (official ids:
    # embeddings 0, block i i+1, head L+1); no decay on 1-D params/pos_embed
    constructor='RecognizerLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        flat_decay_mult=0.0,
        custom_keys={'.pos_embed': dict(decay_mult=0.0)}))

warmup = dict(type='ScaledLinearLR', start_lr=5e-7, by_epoch=True, begin=0,
              end=5, convert_to_iter_based=True)
cosine = dict(type='ScaledCosineAnnealingLR', min_lr=5e-7, by_epoch=True,
              begin=5, convert_to_iter_based=True)
param_scheduler = [warmup, cosine]

# lrs above are for a total batch of 128; --auto-scale-lr rescales them
auto_scale_lr = dict(enable=False, base_batch_size=128)
