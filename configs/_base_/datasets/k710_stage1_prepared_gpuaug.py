# k710_stage1_prepared.py with resize and flip moved to the GPU: the workers
# read, decode and crop; the model's data preprocessor resizes to 224 and
# flips. The config using this piece must also set
#   model = dict(data_preprocessor=dict(type='BatchAugPreprocessor',
#                                       size=224))
# (a dataset piece cannot change the model; docs/benchmark.md).
_base_ = ['./k710_stage1_prepared.py']

train_pipeline = [
    dict(type='PreparedFrameInit', root={{_base_.prepared_root}}),
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='PreparedFrameDecode'),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, .875, .75, .66),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='FlipFlag', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(
        type='PackActionInputs',
        meta_keys=('img_shape', 'img_key', 'video_id', 'timestamp', 'flip'))
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
