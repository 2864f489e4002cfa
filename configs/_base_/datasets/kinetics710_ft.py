# Kinetics-710 (K400+K600+K700 train classes, 710 labels in the order of
# configs/umt/k710_channel_map/label_map_k710.txt; videos de-duplicated
# against the K400/600/700 validation sets). Lists: "path label" per line.
_base_ = ['./video_ft_u8.py']
num_classes = 710
# the class-count keys of the recognizer; children merge them with
# ``model = _base_.label_model``
label_model = dict(
    cls_head=dict(num_classes=num_classes),
    data_preprocessor=dict(blending=dict(augments=[
        dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
        dict(type='CutmixBlending', alpha=1.0, num_classes=num_classes)
    ])))
data_root = 'data/kinetics710/videos'
train_dataloader = dict(dataset=dict(
    ann_file='data/kinetics710/k710_train_list_videos.txt',
    data_prefix=dict(video=data_root)))
val_dataloader = dict(dataset=dict(
    ann_file='data/kinetics710/k710_val_list_videos.txt',
    data_prefix=dict(video=data_root)))
test_dataloader = dict(dataset=dict(
    ann_file='data/kinetics710/k710_val_list_videos.txt',
    data_prefix=dict(video=data_root)))
