# Official UMT-B fine-tuning on K400 / K600 / K700 from the K710 model
# (exp/finetuning/k{400,600,700}/b16_ptk710_ftk710_ftk*_f8_res224.sh):
# 5 epochs, 1 warm-up, lr 2e-5 per 256 clips (see umt_ft_adamw.py).
_base_ = ['./umt_ft_adamw.py']
optim_wrapper = dict(optimizer=dict(lr=2e-5))
warmup = dict(_base_.warmup, end=1)
cosine = dict(_base_.cosine, begin=1)
param_scheduler = [warmup, cosine]
train_cfg = dict(max_epochs=5)
