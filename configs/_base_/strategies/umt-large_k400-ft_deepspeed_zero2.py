# UMT-L K400 fine-tuning (8 frames) with DeepSpeed ZeRO-2, as the official
# fine-tuning scripts; same optimizer and layer-decay parameter groups.
_base_ = ['../../umt/umt-large-p16-res224_k710-pre_u8_k400-rgb.py',
          './deepspeed_zero2.py']
runner_type = 'FlexibleRunner'
optim_wrapper = dict(
    _delete_=True,
    type='DeepSpeedOptimWrapper',
    optimizer={{_base_.optim_wrapper.optimizer}},
    constructor={{_base_.optim_wrapper.constructor}},
    paramwise_cfg={{_base_.optim_wrapper.paramwise_cfg}})
