# Kinetics-400 for masked video pre-training (VideoMAE, MVD): the loader of
# k710_stage1.py with 16 frames at stride 4, multi-scale crop to 224 and no
# flip (VideoMAE's augmentation); labels unused.
_base_ = ['./k710_stage1.py']
data_root = 'data/kinetics400/videos_train'
ann_file_train = 'data/kinetics400/kinetics400_train_list_videos.txt'
train_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='SampleFrames', clip_len=16, frame_interval=4, num_clips=1),
    dict(type='DecordDecode'),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, .875, .75, .66),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
# VideoMAE ViT-B: 32 clips per GPU on 64 GPUs (2048)
train_dataloader = dict(
    batch_size=32,
    num_workers=10,
    dataset=dict(
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
