# Retrieval fine-tuning: SSv2-template (as SSv2-label, templates instead of
# labels; the release configures it in configs/ret_ssv2_template.py), 22
# tokens.
_base_ = ['./retrieval-ft_msrvtt.py']
video_root = 'data/ssv2/videos'
tokenize = dict(type='TokenizeText', tokenizer=_base_.tokenizer_dir,
                max_length=22)
train_pipeline = _base_.train_pipeline[:-2] + [
    tokenize, _base_.train_pipeline[-1]]
test_pipeline = _base_.test_pipeline[:-2] + [
    tokenize, _base_.test_pipeline[-1]]
train_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/ssv2_ret_template_train.json',
    data_prefix=dict(video=video_root), match_by='caption',
    pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/ssv2_ret_template_val_small.json',
    data_prefix=dict(video=video_root), dedup_texts=True,
    pipeline=test_pipeline))
test_dataloader = val_dataloader
