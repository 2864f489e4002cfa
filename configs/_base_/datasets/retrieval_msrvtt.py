# Zero-shot retrieval test set: MSR-VTT 1k-A (one caption per video).
# Official annotation format: [{"video": path, "caption": str | [str]}].
ann_file = 'data/anno_downstream/msrvtt_test1k.json'
video_root = 'data/msrvtt/videos'
tokenizer_dir = 'checkpoints/bert-base-uncased'
num_frames = 4
img_size = 224
max_txt_len = 32  # official max_txt_l (ret_msrvtt/b16.py)
test_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1,
         test_mode=True),  # middle frame of each segment (official 'middle')
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False,
         interpolation='bicubic'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='TokenizeText', tokenizer=tokenizer_dir, max_length=max_txt_len),
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'text_ids',
                         'video_idx'))
]
test_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='RetrievalDataset',
        ann_file=ann_file,
        data_prefix=dict(video=video_root),
        pipeline=test_pipeline))
test_evaluator = dict(type='UMTRetrievalMetric', rerank_k=128)
test_cfg = dict(type='TestLoop')
# VTM re-ranking needs the model inside the metric
custom_hooks = [dict(type='RetrievalRerankHook')]
