# Retrieval fine-tuning on MSR-VTT 9k, tested (and validated every epoch)
# on 1k-A with VTM re-ranking of the top 128. Official annotation files:
# [{"video": path, "caption": str | [str]}] (docs/video_language.md).
# Other datasets set video_root, the annotation files and the text length:
#   tokenize = dict(_base_.tokenize, max_length=64)
#   train_pipeline = _base_.video_train + [tokenize, _base_.pack_train]
#   test_pipeline = _base_.video_test + [tokenize, _base_.pack_test]
_base_ = ['./video_language_ft.py']
data_root = 'data/anno_downstream'
video_root = 'data/msrvtt/videos'
max_txt_len = 32
tokenize = dict(type='TokenizeText', tokenizer=_base_.tokenizer_dir,
                max_length=max_txt_len)
pack_train = dict(type='PackActionInputs',
                  algorithm_keys=('input_ids', 'attention_mask', 'source_idx'))
pack_test = dict(type='PackActionInputs',
                 algorithm_keys=('input_ids', 'attention_mask', 'text_ids',
                                 'video_idx'))
train_pipeline = _base_.video_train + [tokenize, pack_train]
test_pipeline = _base_.video_test + [tokenize, pack_test]
train_dataloader = dict(
    **_base_.train_loader,
    dataset=dict(
        type='RetrievalTrainDataset',
        ann_file=f'{data_root}/msrvtt_ret_train9k.json',
        data_prefix=dict(video=video_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    **_base_.test_loader,
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
