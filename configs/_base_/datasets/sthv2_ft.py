# Something-Something V2 (mmaction2 layout, tools/data/sthv2): no flip (it
# changes "left"/"right" labels), 2 clips x 3 crops at test (paper Table 11).
_base_ = ['./video_ft_u8.py']
num_classes = 174
# the class-count keys of the recognizer; children merge them with
# ``model = _base_.label_model``
label_model = dict(
    cls_head=dict(num_classes=num_classes),
    data_preprocessor=dict(blending=dict(augments=[
        dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
        dict(type='CutmixBlending', alpha=1.0, num_classes=num_classes)
    ])))
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop', area_range=(0.08, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='TorchVisionWrapper', op='RandAugment', num_ops=4,
         magnitude=7, num_magnitude_bins=11),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand',
         fill_color=(123.675, 116.28, 103.53), fill_std=(58.395, 57.12,
                                                         57.375)),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=8, num_clips=2, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(
    ann_file='data/sthv2/sthv2_train_list_videos.txt',
    data_prefix=dict(video='data/sthv2/videos'), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file='data/sthv2/sthv2_val_list_videos.txt',
    data_prefix=dict(video='data/sthv2/videos')))
test_dataloader = dict(dataset=dict(
    ann_file='data/sthv2/sthv2_val_list_videos.txt',
    data_prefix=dict(video='data/sthv2/videos'), pipeline=test_pipeline))
