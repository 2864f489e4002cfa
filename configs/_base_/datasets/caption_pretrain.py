# UMT stage-2 caption corpora: videos (4 random frames, one per segment) and
# images (1-frame clips) in one dataset; every batch holds one media type
# (MediaGroupBatchSampler, like the official MetaLoader). The corpora lists
# (``ann_files``) are set by the configs/umt/stage2_*.py configs from
# caption_corpora.py.
max_txt_len = 32
# BERT-base and BERT-large uncased share this WordPiece vocabulary
tokenizer_dir = 'checkpoints/bert-base-uncased'
img_size = 224
algorithm_keys = ('input_ids', 'attention_mask', 'source_idx')
common_tail = [
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False,
         interpolation='bicubic'),  # official RandomResizedCrop: bicubic
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='TokenizeText', tokenizer=tokenizer_dir, max_length=max_txt_len),
    dict(type='PackActionInputs', algorithm_keys=algorithm_keys)
]
train_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=4, num_clips=1),
    dict(type='DecordDecode'),
] + common_tail
image_pipeline = [
    dict(type='mmcv.LoadImageFromFile'),  # BGR
    dict(type='ImageToClip', bgr_to_rgb=True),  # RGB like decoded frames
] + common_tail

train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='MediaGroupBatchSampler', drop_last=True),
    dataset=dict(
        type='CaptionDataset',
        ann_files=[],
        pipeline=train_pipeline,
        image_pipeline=image_pipeline))
