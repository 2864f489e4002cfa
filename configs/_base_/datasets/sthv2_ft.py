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
# video_ft_u8.py's pipelines without the flip, 2 clips at test
train_pipeline = [t for t in _base_.train_pipeline if t.type != 'Flip']
test_pipeline = [
    dict(t, num_clips=2) if t.type == 'UniformSample' else t
    for t in _base_.test_pipeline
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
