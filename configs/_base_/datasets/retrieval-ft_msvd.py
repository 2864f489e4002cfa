# Retrieval fine-tuning: MSVD: several captions per video (each a training
# pair and a test query), 64 tokens.
_base_ = ['./retrieval-ft_msrvtt.py']
video_root = 'data/msvd/videos'
tokenize = dict(_base_.tokenize, max_length=64)
train_pipeline = _base_.video_train + [tokenize, _base_.pack_train]
test_pipeline = _base_.video_test + [tokenize, _base_.pack_test]
train_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/msvd_ret_train.json',
    data_prefix=dict(video=video_root),
    pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/msvd_ret_test.json',
    data_prefix=dict(video=video_root),
    pipeline=test_pipeline))
test_dataloader = val_dataloader
