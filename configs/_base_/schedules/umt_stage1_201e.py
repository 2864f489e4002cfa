# The official UMT stage-1 run (exp/pretraining/{b,l}16_ptk710_f8_res224.sh):
# umt_stage1_200e.py for 201 epochs (--epochs 201; the paper reports 200),
# with mixed precision (official: fp16 autocast + loss scaler). Precision is
# the one key ``optim_wrapper.dtype``: 'bfloat16' (default), 'float16' (with
# mmengine's dynamic loss scaler) or 'float32'; AmpOptimWrapper needs a GPU.
_base_ = ['./umt_stage1_200e.py']
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
train_cfg = dict(max_epochs=201)
