# Retrieval fine-tuning: SSv2-label: a label describes many videos (official
# has_multi_vision_gt: pairs with one caption share the identity; one test
# text per distinct label), 25 tokens; tested on the small val split.
_base_ = ['./retrieval-ft_msrvtt.py']
video_root = 'data/ssv2/videos'
tokenize = dict(_base_.tokenize, max_length=25)
train_pipeline = _base_.video_train + [tokenize, _base_.pack_train]
test_pipeline = _base_.video_test + [tokenize, _base_.pack_test]
train_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/ssv2_ret_label_train.json',
    data_prefix=dict(video=video_root), match_by='caption',
    pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/ssv2_ret_label_val_small.json',
    data_prefix=dict(video=video_root), dedup_texts=True,
    pipeline=test_pipeline))
test_dataloader = val_dataloader
