# Official UMT-L fine-tuning on K400 / K600 / K700 from the K710 model
# (exp/finetuning/k{400,600,700}/l16_ptk710_ftk710_ftk*_f{8,16}_res224.sh):
# 5 epochs, 1 warm-up, lr 1e-5 per 256 clips, layer decay 0.85.
_base_ = ['./umt_ft_kinetics_vitb.py']
optim_wrapper = dict(optimizer=dict(lr=1e-5),
                     paramwise_cfg=dict(layer_decay_rate=0.85))
