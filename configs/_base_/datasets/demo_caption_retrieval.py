# Synthetic captioned videos of tools/make_demo_data.py for the stage-2 demo:
# captions_train.json for pre-training, captions_val.json (held out) for
# zero-shot retrieval. 64 px, 4 frames, the shipped MiniLM tokenizer.
#   python tools/make_demo_data.py data/demo
data_root = 'data/demo'
tokenizer_dir = 'minilm-l6'
train_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=4, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    # no flip: it would swap 'moving left' and 'moving right'
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='TokenizeText', tokenizer=tokenizer_dir, max_length=32),
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'source_idx'))
]
test_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=4, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='TokenizeText', tokenizer=tokenizer_dir, max_length=32),
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'text_ids',
                         'video_idx'))
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='MediaGroupBatchSampler', drop_last=True),
    dataset=dict(
        type='CaptionDataset',
        ann_files=[f'{data_root}/captions_train.json'],
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='RetrievalDataset',
        ann_file=f'{data_root}/captions_val.json',
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline))
test_evaluator = dict(type='UMTRetrievalMetric', rerank_k=128)
test_cfg = dict(type='TestLoop')
custom_hooks = [dict(type='RetrievalRerankHook')]
