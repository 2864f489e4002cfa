# Shared video steps of the video-language fine-tuning pipelines (official
# exp/finetuning): 12 frames, a random (train) / the middle (test) frame of
# each segment, 224 px bicubic; training adds RandomResizedCrop (area
# 0.5-1) and horizontal flip. Dataset configs append tokenisation + packing.
tokenizer_dir = 'checkpoints/bert-base-uncased'  # BERT-base/large vocab
num_frames = 12
img_size = 224
video_train = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False,
         interpolation='bicubic'),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW')
]
video_test = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(img_size, img_size), keep_ratio=False,
         interpolation='bicubic'),
    dict(type='FormatShape', input_format='NCTHW')
]
# loader settings of the training / test loaders (datasets add ``dataset``)
train_loader = dict(batch_size=32, num_workers=8, persistent_workers=True,
                    drop_last=True,
                    sampler=dict(type='DefaultSampler', shuffle=True))
test_loader = dict(batch_size=32, num_workers=8, persistent_workers=True,
                   sampler=dict(type='DefaultSampler', shuffle=False))
