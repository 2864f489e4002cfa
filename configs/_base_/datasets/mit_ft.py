# Moments in Time V1 (mmaction2 layout, tools/data/mit), 339 classes, at
# 224 px: the pipelines of video_ft_u8.py without repeated sampling (official
# num_sample 1), official batch 32 per GPU, 4 clips x 3 crops at test.
_base_ = ['./video_ft_u8.py']
num_classes = 339
# the class-count keys of the recognizer; children merge them with
# ``model = _base_.label_model``
label_model = dict(
    cls_head=dict(num_classes=num_classes),
    data_preprocessor=dict(blending=dict(augments=[
        dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
        dict(type='CutmixBlending', alpha=1.0, num_classes=num_classes)
    ])))
train_dataloader = dict(batch_size=32, dataset=dict(
    num_repeats=1,
    ann_file='data/mit/annotations/mit_train_list_videos.txt',
    data_prefix=dict(video='data/mit/videos/training')))
val_dataloader = dict(dataset=dict(
    ann_file='data/mit/annotations/mit_val_list_videos.txt',
    data_prefix=dict(video='data/mit/videos/validation')))
test_dataloader = dict(dataset=dict(
    ann_file='data/mit/annotations/mit_val_list_videos.txt',
    data_prefix=dict(video='data/mit/videos/validation')))
