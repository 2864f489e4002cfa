# Retrieval fine-tuning on DiDeMo: paragraphs (sentences joined), 64
# tokens, frames sampled from the first 30 s (official trimmed30).
_base_ = ['./retrieval-ft_msrvtt.py']
video_root = 'data/didemo/videos'
tokenize = dict(_base_.tokenize, max_length=64)
trim = dict(type='TrimVideo', max_seconds=30)
train_pipeline = _base_.video_train[:1] + [trim] + \
    _base_.video_train[1:] + [tokenize, _base_.pack_train]
test_pipeline = _base_.video_test[:1] + [trim] + \
    _base_.video_test[1:] + [tokenize, _base_.pack_test]
train_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/didemo_ret_train.json',
    data_prefix=dict(video=video_root), paragraph=True,
    pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/didemo_ret_test.json',
    data_prefix=dict(video=video_root), paragraph=True,
    pipeline=test_pipeline))
test_dataloader = val_dataloader
