# Synthetic demo videos (4 s, 8 fps, tools/make_demo_data.py) with
# generated word-timestamp transcripts:
#   python tools/make_demo_data.py data/demo
#   python -c "from umt_mm.datasets.asr_transcript import \
#       make_demo_transcripts as m; \
#       m('data/demo/captions_train.json', \
#         'data/demo/transcripts_train.json', 4.0)"
# K = 4 segments of 0.6-0.8 s with 0.2 s gaps (a 4 s video cannot hold
# the official 3-5 s with 1 s gaps), 2 frames each, 64 px, MiniLM tokens.
data_root = 'data/demo'
tokenizer_dir = 'minilm-l6'
train_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='TranscriptSegmentSample', num_segments=4,
         frames_per_segment=2, seg_lens=(0.6, 0.7, 0.8), gap=0.2),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='TokenizeText', tokenizer=tokenizer_dir, max_length=16),
    dict(type='PackActionInputs',
         algorithm_keys=('input_ids', 'attention_mask', 'order_labels',
                         'source_idx'))
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='ASRTranscriptDataset',
        ann_file=f'{data_root}/transcripts_train.json',
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
