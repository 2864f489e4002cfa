# Zero-shot classification (TVTSv2's out-of-the-box protocol) of the demo
# model on the held-out demo videos: cosine of each video to the prompt of
# each class name in classes.txt, top-1 / top-5 by mmaction2's AccMetric:
#   python tools/test.py configs/tvtsv2/tvtsv2_zero-shot_demo.py \
#       work_dirs/tvtsv2_demo/epoch_5.pth
# (the paper's template is 'a person {}'; the demo videos show shapes)
_base_ = ['./tvtsv2_demo.py']
model = dict(
    zero_shot=dict(classes='data/demo/classes.txt', template='a shape {}',
                   tokenizer='minilm-l6'))
test_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='VideoDataset',
        ann_file='data/demo/val_list.txt',
        data_prefix=dict(video='data/demo'),
        pipeline=test_pipeline,
        test_mode=True))
test_evaluator = dict(type='AccMetric')
test_cfg = dict(type='TestLoop')
