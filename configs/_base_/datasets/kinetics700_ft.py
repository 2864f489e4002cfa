# Kinetics-700 with the mmaction2 data layout (tools/data/kinetics), fine-tuned
# from the K710 model: its 710-way classifier is cut to these classes by the
# shipped channel map (mmaction2's uniformerv2/k710_channel_map).
_base_ = ['./video_ft_u8.py']
num_classes = 700
# the class-count keys of the recognizer; children merge them with
# ``model = _base_.label_model``
label_model = dict(
    cls_head=dict(num_classes=num_classes,
                  channel_map='configs/umt/k710_channel_map/map_k700.json'),
    data_preprocessor=dict(blending=dict(augments=[
        dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
        dict(type='CutmixBlending', alpha=1.0, num_classes=num_classes)
    ])))
train_dataloader = dict(dataset=dict(
    ann_file='data/kinetics700/kinetics700_train_list_videos.txt',
    data_prefix=dict(video='data/kinetics700/videos_train')))
val_dataloader = dict(dataset=dict(
    ann_file='data/kinetics700/kinetics700_val_list_videos.txt',
    data_prefix=dict(video='data/kinetics700/videos_val')))
test_dataloader = dict(dataset=dict(
    ann_file='data/kinetics700/kinetics700_val_list_videos.txt',
    data_prefix=dict(video='data/kinetics700/videos_val')))
