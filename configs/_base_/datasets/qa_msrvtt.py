# Video QA on MSRVTT-QA (official exp/finetuning/qa_msrvtt): questions of 25
# tokens, answers ranked from the official answer list, accuracy on the
# test split after every epoch. Annotation format (docs/video_language.md):
# [{"video": path, "question": str, "answer": str | [str],
#   "question_id": int}], answer list: ["answer", ...].
_base_ = ['./video_language_ft.py']
data_root = 'data/anno_downstream'
video_root = 'data/msrvtt/videos'
answer_list = f'{data_root}/msrvtt_qa_answer_list.json'
question = dict(type='TokenizeText', tokenizer=_base_.tokenizer_dir,
                max_length=25, key='question')
train_pipeline = _base_.video_train + [
    question,
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'answers',
                         'answer_weights'))
]
test_pipeline = _base_.video_test + [
    question,
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'question_id',
                         'gt_answer'))
]
train_dataloader = dict(
    **_base_.train_loader,
    dataset=dict(
        type='VideoQADataset',
        ann_file=f'{data_root}/msrvtt_qa_train.json',
        data_prefix=dict(video=video_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    **_base_.test_loader,
    dataset=dict(
        type='VideoQADataset',
        ann_file=f'{data_root}/msrvtt_qa_test.json',
        data_prefix=dict(video=video_root),
        answer_list=answer_list,
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VideoQAMetric')
test_evaluator = val_evaluator
