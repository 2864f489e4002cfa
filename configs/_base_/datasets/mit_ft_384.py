# Moments in Time V1 (mmaction2 layout, tools/data/mit) at 384 px, 8 frames,
# 4 clips x 3 crops (paper Table 10: 8x384^2, x12 views).
_base_ = ['./video_ft_u8.py']
img_size = 384
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 438)),
    dict(type='RandomResizedCrop', area_range=(0.08, 1.0)),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='TorchVisionWrapper', op='RandAugment', num_ops=4,
         magnitude=7, num_magnitude_bins=11),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand',
         fill_color=(123.675, 116.28, 103.53), fill_std=(58.395, 57.12,
                                                         57.375)),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, img_size)),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=8, num_clips=4, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, img_size)),
    dict(type='ThreeCrop', crop_size=img_size),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(
    ann_file='data/mit/annotations/mit_train_list_videos.txt',
    data_prefix=dict(video='data/mit/videos/training'),
    pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file='data/mit/annotations/mit_val_list_videos.txt',
    data_prefix=dict(video='data/mit/videos/validation'),
    pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(
    ann_file='data/mit/annotations/mit_val_list_videos.txt',
    data_prefix=dict(video='data/mit/videos/validation'),
    pipeline=test_pipeline))
