# Synthetic video QA of tools/make_demo_data.py (three questions a video:
# shape, colour, motion direction; 11 answers): qa_train.json for
# fine-tuning, qa_val.json (held-out videos) for accuracy, per question
# type too. 64 px, 4 frames, the shipped MiniLM tokenizer.
data_root = 'data/demo'
tokenizer_dir = 'minilm-l6'
answer_list = f'{data_root}/qa_answer_list.json'
video = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=4, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    # no flip: it would swap left and right
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='TokenizeText', tokenizer=tokenizer_dir, max_length=12,
         key='question')
]
train_pipeline = video[:1] + [
    dict(type='UniformSample', clip_len=4, num_clips=1)
] + video[2:] + [
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'answers',
                         'answer_weights'))
]
test_pipeline = video + [
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'question_id',
                         'gt_answer', 'question_type'))
]
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='VideoQADataset',
        ann_file=f'{data_root}/qa_train.json',
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='VideoQADataset',
        ann_file=f'{data_root}/qa_val.json',
        data_prefix=dict(video=data_root),
        answer_list=answer_list,
        strict_answers=True,
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='VideoQAMetric',
    type_key='question_type',
    baseline_ann_file=f'{data_root}/qa_train.json')
test_evaluator = val_evaluator
