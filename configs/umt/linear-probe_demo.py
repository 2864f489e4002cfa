# Linear probe (frozen backbone) on the demo data: the tiny stage-1 demo
# student of finetune_demo.py (embed 64, 4 layers, 64 px, 8 frames), one
# centre clip per video without augmentation for BOTH splits (the features
# are extracted once and cached by tools/analysis/linear_probe.py):
#   python tools/analysis/linear_probe.py configs/umt/linear-probe_demo.py \
#       work_dirs/stage1_demo/epoch_5.pth --work-dir work_dirs/lp_demo
_base_ = [
    '../_base_/models/umt_cls_vitb.py', '../_base_/datasets/demo_cls.py',
    '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=4,
                            num_heads=4), img_size=64),
    cls_head=dict(num_classes=4, in_channels=64),
    data_preprocessor=dict(blending=None))

probe_pipeline = [
    dict(type='DecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 64)),
    dict(type='CenterCrop', crop_size=64),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]


def _split(ann_file):
    return dict(
        batch_size=8,
        num_workers=2,
        persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='VideoDataset', ann_file=ann_file,
                     data_prefix=dict(video='data/demo'),
                     pipeline=probe_pipeline, test_mode=True))


train_dataloader = dict(_delete_=True, **_split('data/demo/train_list.txt'))
val_dataloader = _split('data/demo/val_list.txt')
test_dataloader = dict(_delete_=True, **_split('data/demo/val_list.txt'))
del _split
# defaults of tools/analysis/linear_probe.py (CLI flags override)
linear_probe = dict(epochs=50, lr=0.1, batch_size=16, optimizer='sgd',
                    weight_decay=0.)
