# UMT-L/16 on AVA v2.2, 8x224 input, official setting: total batch 128
# (32 GPUs x 4), 25 epochs, fp32 (the official run passes --close_amp, so
# do not add --amp), seed 6666.
_base_ = [
    '../_base_/models/umt_ava_vitl.py', '../_base_/datasets/ava_v2.2.py',
    '../_base_/schedules/ava_adamw_25e.py', '../_base_/default_runtime.py'
]

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/umt_l16_ptk710_ftk710_f8_res224.pth',
            prefix='backbone.')))

train_dataloader = dict(batch_size=4)
randomness = dict(seed=6666)
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=2))
official_recipe = dict(
    gpus=32, script='single_modality/action_detection/exp/'
    'l16_ptk710_ftk710_ftava_f8_res224.sh')
