# MVD on the synthetic videos (CPU, minutes): a tiny student co-taught by a
# tiny random image MAE teacher and a tiny random video teacher.
_base_ = [
    '../_base_/models/mvd_vitb.py', '../_base_/datasets/demo_stage1.py',
    '../_base_/schedules/demo_stage1.py', '../_base_/default_runtime.py'
]
tiny = dict(_delete_=True, embed_dims=64, num_layers=4, num_heads=4)
decoder = dict(
    in_channels=64, embed_dims=32, num_layers=1, num_heads=2,
    out_channels=32, drop_path_rate=0.0)
model = dict(
    backbone=dict(arch=tiny, img_size=64, num_frames=8, drop_path_rate=0.0),
    targets=dict(
        img=dict(
            encoder=dict(
                arch=dict(
                    _delete_=True, embed_dim=32, depth=2, num_heads=2),
                img_size=64)),
        vid=dict(
            encoder=dict(
                arch=dict(
                    _delete_=True, embed_dims=32, num_layers=2, num_heads=2),
                img_size=64,
                num_frames=8))),
    heads=dict(img=decoder, vid=decoder))
default_hooks = dict(logger=dict(interval=4))
randomness = dict(seed=0)
optim_wrapper = dict(optimizer=dict(lr=3e-3))
