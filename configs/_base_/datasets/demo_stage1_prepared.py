# demo_stage1.py from frame shards of the demo videos:
#   python tools/data/prepare_frame_shards.py data/demo data/demo_frames \
#       --list data/demo/train_list.txt
_base_ = ['./demo_stage1.py']

prepared_root = 'data/demo_frames'
train_pipeline = [
    dict(type='PreparedFrameInit', root=prepared_root),
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='PreparedFrameDecode'),
    dict(
        type='MultiScaleCrop',
        input_size=64,
        scales=(1, .875, .75, .66),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    dataset=dict(data_prefix=dict(video=prepared_root),
                 pipeline=train_pipeline))
