# Official UMT-B fine-tuning on K400 / K600 / K700 from the K710 model
# (exp/finetuning/k{400,600,700}/b16_ptk710_ftk710_ftk*_f8_res224.sh):
# 5 epochs, 1 warm-up, lr 2e-5 per 256 clips (see umt_ft_adamw.py).
_base_ = ['./umt_ft_adamw.py']
max_epochs = 5
warmup_epochs = 1
base_lr = 2e-5
warmup_lr = 1e-6
min_lr = 1e-6
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=warmup_lr / base_lr, by_epoch=True,
         begin=0, end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=min_lr / base_lr, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
