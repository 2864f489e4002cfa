# MSRVTT multiple choice (official exp/finetuning/mc_msrvtt): retrieval
# fine-tuning on MSR-VTT 7k, then each test video picks one of its 5
# candidate captions by 0.7 VTM match probability + 0.3 contrastive softmax;
# accuracy after every epoch. Annotation format (docs/video_language.md):
# [{"video": path, "caption": [5 captions], "answer": index}].
_base_ = ['./retrieval-ft_msrvtt.py']
train_dataloader = dict(dataset=dict(
    ann_file='data/anno_downstream/msrvtt_ret_train7k.json'))
val_dataloader = dict(dataset=dict(
    _delete_=True,
    type='MultipleChoiceDataset',
    ann_file='data/anno_downstream/msrvtt_mc_test.json',
    data_prefix=dict(video=_base_.video_root),
    pipeline=_base_.test_pipeline[:-1] + [
        dict(type='PackActionInputs',
             algorithm_keys=('input_ids', 'attention_mask', 'answer',
                             'video_idx'))
    ]))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='UMTMultipleChoiceMetric')
test_evaluator = val_evaluator
