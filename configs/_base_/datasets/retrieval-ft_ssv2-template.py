# Retrieval fine-tuning: SSv2-template (as SSv2-label, templates instead of
# labels; the release configures it in configs/ret_ssv2_template.py), 22
# tokens.
_base_ = ['./retrieval-ft_ssv2-label.py']
tokenize = dict(_base_.tokenize, max_length=22)
train_pipeline = _base_.video_train + [tokenize, _base_.pack_train]
test_pipeline = _base_.video_test + [tokenize, _base_.pack_test]
train_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/ssv2_ret_template_train.json',
    pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/ssv2_ret_template_val_small.json',
    pipeline=test_pipeline))
test_dataloader = val_dataloader
