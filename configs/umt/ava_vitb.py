# UMT-B/16 on AVA v2.2, 8x224 input, official setting (33.5 mAP reported for
# K710 pre-training + K710 fine-tuning): total batch 128 (16 GPUs x 8).
_base_ = [
    '../_base_/models/umt_ava_vitb.py', '../_base_/datasets/ava_v2.2.py',
    '../_base_/schedules/ava_adamw_30e.py', '../_base_/default_runtime.py'
]

# Initialise from the K710 fine-tuned classifier (b16_ptk710_ftk710_f8_res224,
# converted to umt_mm keys ``backbone.*``); the one key to change:
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/umt_b16_ptk710_ftk710_f8_res224.pth',
            prefix='backbone.')))

train_dataloader = dict(batch_size=8)
# the official run is fp16 (DeepSpeed); bf16 autocast as in every paper config
# (the one key: optim_wrapper.dtype, see docs/recipes.md)
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=2))
official_recipe = dict(
    gpus=16, script='single_modality/action_detection/exp/'
    'b16_ptk710_ftk710_ftava_f8_res224.sh')
