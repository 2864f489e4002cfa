# The official UMT stage-1 run (exp/pretraining/{b,l}16_ptk710_f8_res224.sh):
# umt_stage1_200e.py for 201 epochs (--epochs 201; the paper reports 200),
# with mixed precision (official: fp16 autocast + loss scaler). Precision is
# the one key ``optim_wrapper.dtype``: 'bfloat16' (default), 'float16' (with
# mmengine's dynamic loss scaler) or 'float32'; AmpOptimWrapper needs a GPU.
_base_ = ['./umt_stage1_200e.py']
base_lr = 1.5e-4
warmup_lr = 1e-6
min_lr = 1e-5
max_epochs = 201
warmup_epochs = 40
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
param_scheduler = [
    dict(type='LinearLR', start_factor=warmup_lr / base_lr, end_factor=1.0,
         by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min_ratio=min_lr / base_lr, by_epoch=True, begin=warmup_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
