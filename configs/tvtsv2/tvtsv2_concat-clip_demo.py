# TVTSv2 text sorting without timestamps (alt-text corpora) on the demo
# videos: every sample is K = 4 captioned clips of 2 frames concatenated in
# time (8 frames), their captions shown shuffled (ConcatClipSortDataset).
_base_ = ['./tvtsv2_demo.py']
clip_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=2, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW')
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatClipSortDataset',
        ann_file='data/demo/captions_train.json',
        data_prefix=dict(video='data/demo'),
        num_segments=4,
        pipeline=clip_pipeline,
        post_pipeline=[
            dict(type='TokenizeText', tokenizer='minilm-l6', max_length=16),
            dict(type='PackActionInputs',
                 algorithm_keys=('input_ids', 'attention_mask',
                                 'order_labels', 'source_idx'))
        ]))
