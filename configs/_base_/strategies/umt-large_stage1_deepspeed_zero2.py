# UMT-L stage 1 (configs/umt/stage1_vitl.py) with DeepSpeed ZeRO-2. The
# optimizer wrapper is DeepSpeed's (it takes only the optimizer: bf16 and
# clipping are strategy settings), same optimizer and parameter groups.
_base_ = ['../../umt/stage1_vitl.py', './deepspeed_zero2.py']
runner_type = 'FlexibleRunner'
optim_wrapper = dict(
    _delete_=True,
    type='DeepSpeedOptimWrapper',
    optimizer={{_base_.optim_wrapper.optimizer}},
    paramwise_cfg={{_base_.optim_wrapper.paramwise_cfg}})
