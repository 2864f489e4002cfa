# Official UMT fine-tuning on Moments in Time V1 from the K400 model
# (exp/finetuning/mitv1/{b,l}16_ptk710_ftk710_ftk400_ftmitv1_f8_res224.sh):
# lr 1e-4 per 256 clips, 5 warm-up epochs, 40 epochs (the L config sets 20);
# no repeated sampling (official num_sample 1): the lr refers to 256 loaded
# videos.
_base_ = ['./umt_ft_adamw.py']
optim_wrapper = dict(optimizer=dict(lr=1e-4))
warmup = dict(_base_.warmup, end=5)
cosine = dict(_base_.cosine, begin=5)
param_scheduler = [warmup, cosine]
train_cfg = dict(max_epochs=40)
auto_scale_lr = dict(base_batch_size=256)
