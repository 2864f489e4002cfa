# Official UMT fine-tuning on Moments in Time V1 at 384 px from the K400
# model (exp/finetuning/mitv1/{b,l}16_ptk710_ftk710_ftk400_ftmitv1_f8_
# res384.sh): umt_ft_mit.py with lr 1e-5, wd 0.1, 4 epochs, 1 warm-up.
_base_ = ['./umt_ft_mit.py']
optim_wrapper = dict(optimizer=dict(lr=1e-5, weight_decay=0.1))
warmup = dict(_base_.warmup, end=1)
cosine = dict(_base_.cosine, begin=1)
param_scheduler = [warmup, cosine]
train_cfg = dict(max_epochs=4)
