# Retrieval fine-tuning: LSMDC: one caption per clip, 96 tokens; tested on
# the 1000-clip test split.
_base_ = ['./retrieval-ft_msrvtt.py']
video_root = 'data/lsmdc/videos'
tokenize = dict(_base_.tokenize, max_length=96)
train_pipeline = _base_.video_train + [tokenize, _base_.pack_train]
test_pipeline = _base_.video_test + [tokenize, _base_.pack_test]
train_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/lsmdc_ret_train.json',
    data_prefix=dict(video=video_root),
    pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/lsmdc_ret_test_1000.json',
    data_prefix=dict(video=video_root),
    pipeline=test_pipeline))
test_dataloader = val_dataloader
