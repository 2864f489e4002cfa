# VideoMAE K400 schedule: the UMT stage-1 recipe (AdamW 1.5e-4 per 256
# clips, betas (0.9, 0.95), wd 0.05, 40 warm-up epochs from 1e-6, cosine to
# 1e-5) run for 1600 epochs; no decay on the decoder's mask tokens.
_base_ = ['./umt_stage1_200e.py']
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'.mask_token': dict(decay_mult=0.)}))
train_cfg = dict(max_epochs=1600)
