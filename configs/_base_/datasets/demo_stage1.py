# Synthetic moving-shape videos (tools/make_demo_data.py) with the UMT
# stage-1 pipeline of k710_stage1.py scaled down to 64x64 for CPU runs.
# Generate the data with:  python tools/make_demo_data.py data/demo
dataset_type = 'VideoDataset'
data_root = 'data/demo'
ann_file_train = 'data/demo/train_list.txt'
ann_file_val = 'data/demo/val_list.txt'

file_client_args = dict(io_backend='disk')
train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='DecordDecode'),
    dict(
        type='MultiScaleCrop',
        input_size=64,
        scales=(1, .875, .75, .66),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    # fine for label-free stage-1 distillation; a supervised config on this
    # data must drop the flip (it swaps 'moving left' and 'moving right')
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]

# list entries are relative to data_root ("videos/train_0000.mp4 label")
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))

# Stage-1 pre-training has no validation/test loop. The keys are left out
# rather than set to None: an absent key is None for the Runner, while a base
# value of None would force every child config that adds a val/test loop to
# use ``_delete_=True``.
