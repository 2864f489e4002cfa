# Official UMT-L fine-tuning on K400 / K600 / K700 from the K710 model
# (exp/finetuning/k{400,600,700}/l16_ptk710_ftk710_ftk*_f{8,16}_res224.sh):
# 5 epochs, 1 warm-up, lr 1e-5 per 256 clips, layer decay 0.85.
_base_ = ['./umt_ft_kinetics_vitb.py']
base_lr = 1e-5
warmup_lr = 1e-6
min_lr = 1e-6
optim_wrapper = dict(optimizer=dict(lr=base_lr),
                     paramwise_cfg=dict(layer_decay_rate=0.85))
param_scheduler = [
    dict(type='LinearLR', start_factor=warmup_lr / base_lr, by_epoch=True,
         begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=4, eta_min_ratio=min_lr / base_lr,
         by_epoch=True, begin=1, end=5, convert_to_iter_based=True)
]
