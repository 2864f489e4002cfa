# Official UMT-L AVA schedule (exp/l16_ptk710_ftk710_ftava_f8_res224.sh):
# as ava_adamw_30e.py but 25 epochs, layer decay 0.85 over 24 layers
# (32 GPUs x 4 = total batch 128, lr 2.5e-4 * 128 / 256).
_base_ = ['./ava_adamw_30e.py']

max_epochs = 25
warmup_epochs = 5
base_lr = 1.25e-4
min_lr = 5e-7

train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.85))
param_scheduler = [
    dict(type='LinearLR', start_factor=min_lr / base_lr, by_epoch=True,
         begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=min_lr / base_lr, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
