# Official UMT-L AVA schedule (exp/l16_ptk710_ftk710_ftava_f8_res224.sh):
# as ava_adamw_30e.py but 25 epochs, layer decay 0.85 over 24 layers
# (32 GPUs x 4 = total batch 128, lr 2.5e-4 * 128 / 256).
_base_ = ['./ava_adamw_30e.py']
train_cfg = dict(max_epochs=25)
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.85))
