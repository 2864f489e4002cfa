# Retrieval fine-tuning on MSR-VTT 9k, tested (and validated every epoch)
# on 1k-A with VTM re-ranking of the top 128. Official annotation files:
# [{"video": path, "caption": str | [str]}] (docs/video_language.md).
_base_ = ['./video_language_ft.py']
data_root = 'data/anno_downstream'
video_root = 'data/msrvtt/videos'
max_txt_len = 32
tokenize = dict(type='TokenizeText', tokenizer=_base_.tokenizer_dir,
                max_length=max_txt_len)
train_pipeline = _base_.video_train + [
    tokenize,
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'source_idx'))
]
test_pipeline = _base_.video_test + [
    tokenize,
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'text_ids',
                         'video_idx'))
]
train_dataloader = dict(
    **_base_.loader,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='RetrievalTrainDataset',
        ann_file=f'{data_root}/msrvtt_ret_train9k.json',
        data_prefix=dict(video=video_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    **_base_.loader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='RetrievalDataset',
        ann_file=f'{data_root}/msrvtt_ret_test1k.json',
        data_prefix=dict(video=video_root),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='UMTRetrievalMetric', rerank_k=128)
test_evaluator = val_evaluator
# VTM re-ranking needs the model inside the metric
custom_hooks = [dict(type='RetrievalRerankHook')]
