# Retrieval fine-tuning: ActivityNet Captions paragraph-to-video: a video's
# sentences joined, 150 tokens; tested on val.
_base_ = ['./retrieval-ft_msrvtt.py']
video_root = 'data/activitynet/videos'
tokenize = dict(_base_.tokenize, max_length=150)
train_pipeline = _base_.video_train + [tokenize, _base_.pack_train]
test_pipeline = _base_.video_test + [tokenize, _base_.pack_test]
train_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/anet_ret_train.json',
    data_prefix=dict(video=video_root), paragraph=True,
    pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/anet_ret_val.json',
    data_prefix=dict(video=video_root), paragraph=True,
    pipeline=test_pipeline))
test_dataloader = val_dataloader
