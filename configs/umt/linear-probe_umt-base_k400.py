# Linear probe of a frozen UMT-B/16 on Kinetics-400 (8x224): one centre clip
# (8 uniformly sampled frames, short side 224, 224 centre crop, no
# augmentation) per video for both the train and the val list; the
# mean-pooled features are extracted once and cached by
# tools/analysis/linear_probe.py, which then trains BatchNorm(affine=False)
# + Linear. Compare stage-1 and stage-2 students on the same footing:
#   python tools/analysis/linear_probe.py \
#       configs/umt/linear-probe_umt-base_k400.py STAGE1_OR_STAGE2.pth \
#       --work-dir work_dirs/lp_k400_stage1
_base_ = [
    '../_base_/models/umt_cls_vitb.py', '../_base_/datasets/kinetics400_ft.py',
    '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(drop_path_rate=0.),  # the frozen backbone runs in eval mode
    cls_head=dict(num_classes=400),
    data_preprocessor=dict(blending=None))

probe_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=8,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='VideoDataset',
        ann_file='data/kinetics400/kinetics400_train_list_videos.txt',
        data_prefix=dict(video='data/kinetics400/videos_train'),
        pipeline=probe_pipeline,
        test_mode=True))
val_dataloader = dict(
    batch_size=32,
    persistent_workers=False,
    dataset=dict(pipeline=probe_pipeline))
test_dataloader = val_dataloader
# defaults of tools/analysis/linear_probe.py (CLI flags override)
linear_probe = dict(epochs=100, lr=0.1, batch_size=1024, optimizer='sgd',
                    weight_decay=0.)
