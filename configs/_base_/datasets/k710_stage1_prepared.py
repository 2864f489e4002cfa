# Kinetics-710 stage 1 from frame shards (tools/data/prepare_frame_shards.py)
# instead of the videos: same list file, same sampling (8 segment frames with
# random offsets), same crop/flip/resize. Switch a stage-1 config to it by
# replacing '../_base_/datasets/k710_stage1.py' with this piece.
# Loader sized for ~16 CPU cores per GPU (docs/benchmark.md).
_base_ = ['./k710_stage1.py']

prepared_root = 'data/k710/frames'
train_pipeline = [
    dict(type='PreparedFrameInit', root=prepared_root),
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='PreparedFrameDecode'),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, .875, .75, .66),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    num_workers=14,  # 16 cores: 14 loaders + the main process + pinning
    prefetch_factor=4,
    pin_memory=True,
    persistent_workers=True,
    dataset=dict(data_prefix=dict(video=prepared_root),
                 pipeline=train_pipeline))
