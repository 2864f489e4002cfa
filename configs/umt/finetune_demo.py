# The embedded default of action recognition: fine-tune the tiny stage-1 demo
# student (configs/umt/stage1_demo.py: embed 64, 4 layers, 4 heads, 64 px,
# 8 frames) on the 4 motion classes of the demo data, with the full recipe
# (layer-wise lr decay 0.75, label smoothing 0.1, mixup/cutmix, random
# erasing, repeated augmentation, warm-up + cosine), then test 4x3 views:
#   python tools/train.py configs/umt/finetune_demo.py
#   python tools/test.py configs/umt/finetune_demo.py \
#       work_dirs/finetune_demo/epoch_40.pth
# The stage-1 checkpoint (only its student is used) is the one key to set:
#   --cfg-options model.backbone.init_cfg.checkpoint=umt://PATH
_base_ = [
    '../_base_/models/umt_cls_vitb.py', '../_base_/datasets/demo_cls.py',
    '../_base_/schedules/umt_ft_adamw.py', '../_base_/default_runtime.py'
]
stage1_checkpoint = 'work_dirs/stage1_demo/epoch_5.pth'
num_classes = 4
model = dict(
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=64, num_layers=4, num_heads=4),
        img_size=64,
        drop_path_rate=0.0,
        init_cfg=dict(type='Pretrained',
                      checkpoint='umt://' + stage1_checkpoint)),
    cls_head=dict(num_classes=num_classes, in_channels=64, dropout_ratio=0.,
                  init_scale=1.0),
    # mixup / cutmix blend two motions into one clip: off for 64 videos
    data_preprocessor=dict(blending=None))

max_epochs = 40
warmup_epochs = 2
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min=1e-5, by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True)
]
# no validation loop on the demo: tools/test.py evaluates the val split
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop',
                 max_epochs=max_epochs)
default_hooks = dict(logger=dict(interval=4),
                     checkpoint=dict(save_best=None, interval=10))
auto_scale_lr = dict(enable=False)
randomness = dict(seed=0)
