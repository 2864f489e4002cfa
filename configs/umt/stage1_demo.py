# The embedded default: UMT stage 1 on the synthetic videos of
# tools/make_demo_data.py with a tiny student and a tiny random CLIP teacher.
# The teacher runs at 48 px with patch 12 (4x4 tokens, the student's grid at
# 64 px / patch 16), exercising the bicubic resize of the ViT-L/14@196 setup.
_base_ = [
    '../_base_/models/umt_stage1_vitb.py',
    '../_base_/datasets/demo_stage1.py', '../_base_/schedules/demo_stage1.py',
    '../_base_/default_runtime.py'
]
tiny = dict(_delete_=True, embed_dims=64, num_layers=4, num_heads=4)
model = dict(
    backbone=dict(arch=tiny, img_size=64, drop_path_rate=0.0,
                  return_layers=2),
    teacher=dict(
        arch=dict(
            _delete_=True, patch_size=12, width=64, layers=4, heads=4,
            output_dim=32),
        input_resolution=48,
        return_layers=2,
        pretrained=None),
    head=dict(in_channels=64, out_channels=32, num_layers=2))
default_hooks = dict(logger=dict(interval=4))
randomness = dict(seed=0)
