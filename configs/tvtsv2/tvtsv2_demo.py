# TVTSv2 on the synthetic demo videos (CPU, minutes): tiny ViT, the shipped
# MiniLM-L6 (layers 0-3 of 6 frozen, i.e. int(3/4 * 6) = 4), 50% tube
# masking, VTC + 2 * TS. Data: configs/_base_/datasets/tvtsv2_demo.py.
_base_ = [
    '../_base_/models/tvtsv2_vitb16.py', '../_base_/datasets/tvtsv2_demo.py',
    '../_base_/schedules/demo_stage1.py', '../_base_/default_runtime.py'
]
model = dict(
    vision_encoder=dict(
        arch=dict(_delete_=True, embed_dims=64, num_layers=4, num_heads=4),
        img_size=64, num_frames=8, drop_path_rate=0.0),
    text_encoder=dict(pretrained='minilm-l6', fusion_layer=6,
                      freeze_layers=4),
    sort_head=dict(num_heads=4),
    embed_dim=128,
    # MiniLM was trained with mean pooling: its [CLS] state barely varies
    text_pooling='mean')
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=100))
randomness = dict(seed=0)
# the pre-trained MiniLM layers learn 10x slower than the random tiny parts
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'text_encoder': dict(lr_mult=0.1)}))
