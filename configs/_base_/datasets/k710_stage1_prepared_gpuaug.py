# k710_stage1_prepared.py with resize and flip moved to the GPU: the workers
# read, decode and crop; the model's data preprocessor resizes to 224 and
# flips. The config using this piece must also set
#   model = dict(data_preprocessor=dict(type='BatchAugPreprocessor',
#                                       size=224))
# (a dataset piece cannot change the model; docs/benchmark.md).
_base_ = ['./k710_stage1_prepared.py']
train_dataloader = dict(dataset=dict(batch_aug=True))
