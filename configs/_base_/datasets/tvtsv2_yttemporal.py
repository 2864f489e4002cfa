# Videos with word-level ASR timestamps (YT-Temporal style, JSON format in
# umt_mm/datasets/asr_transcript.py; check with
# tools/data/check_transcripts.py). Official TVTSv2 sampling: K = 4
# segments of 3, 4 or 5 s with 1 s gaps, 3 frames a segment (12), 224 px.
data_root = 'data/yttemporal'
tokenizer_dir = 'checkpoints/bert-base-uncased'
train_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='TranscriptSegmentSample', num_segments=4,
         frames_per_segment=3, seg_lens=(3, 4, 5), gap=1.0),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='TokenizeText', tokenizer=tokenizer_dir, max_length=32),
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'order_labels',
                         'source_idx'))
]
train_dataloader = dict(
    batch_size=12,  # per GPU (official 12 x 64 GPUs = 768)
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='ASRTranscriptDataset',
        ann_file=f'{data_root}/transcripts_train.json',
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
