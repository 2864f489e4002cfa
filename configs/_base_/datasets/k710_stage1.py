# Kinetics-710 (K400 + K600 + K700 deduplicated, 710 classes) for UMT stage-1
# (unmasked-teacher) pre-training, as in the UMT paper: 8 frames by sparse
# segment-based sampling, multi-scale crop to 224, horizontal flip.
# Pre-training uses no labels for the loss and has no validation.
dataset_type = 'VideoDataset'
data_root = 'data/k710/videos'
ann_file_train = 'data/k710/k710_train_list_videos.txt'

file_client_args = dict(io_backend='disk')
train_pipeline = [
    dict(type='DecordInit', **file_client_args),
    # splits the video into 8 equal segments and, in train mode, draws one
    # random frame from each (mmaction2 UniformSample, test_mode=False)
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='DecordDecode'),
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

# 64 clips per GPU; the official run uses 32 GPUs (total batch 2048)
train_dataloader = dict(
    batch_size=64,
    num_workers=14,  # ~16 cores per GPU (docs/benchmark.md)
    pin_memory=True,
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
