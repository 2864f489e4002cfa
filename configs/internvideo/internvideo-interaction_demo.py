# InternVideo interaction on the synthetic motion videos (CPU, minutes):
# the tiny fine-tuned demo recognizer (configs/umt/finetune_demo.py) as the
# masked-video encoder and the tiny stage-2 demo vision encoder
# (configs/umt/stage2_demo.py) as the multimodal one, both frozen; only the
# cross-model attention and the two classifiers train.
#   python tools/train.py configs/internvideo/internvideo-interaction_demo.py
_base_ = [
    '../_base_/models/internvideo_interaction_vitb.py',
    '../_base_/datasets/demo_cls.py',
    '../_base_/schedules/internvideo_interaction_5e.py',
    '../_base_/default_runtime.py'
]
data_root = 'data/demo_cls'
tiny = dict(_delete_=True, embed_dims=64, num_layers=4, num_heads=4)
model = dict(
    backbone=dict(
        masked=dict(
            arch=tiny, img_size=64,
            init_cfg=dict(checkpoint='umt://work_dirs/finetune_demo/'
                          'epoch_25.pth')),
        multimodal=dict(
            arch=tiny, img_size=64,
            init_cfg=dict(checkpoint='umt://work_dirs/stage2_demo/'
                          'epoch_48.pth'))),
    cls_head=dict(num_classes=4, in_channels=64, mm_channels=64, num_heads=4,
                  dropout_ratio=0.0))
train_dataloader = dict(dataset=dict(ann_file=data_root + '/train_list.txt',
                                     data_prefix=dict(video=data_root)))
test_dataloader = dict(dataset=dict(ann_file=data_root + '/val_list.txt',
                                    data_prefix=dict(video=data_root)))
# the heads learn from scratch on CPU in minutes: a large constant lr after
# one warm-up epoch, 10 epochs
optim_wrapper = dict(optimizer=dict(lr=1e-2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=10)
auto_scale_lr = dict(enable=False)
custom_hooks = []
default_hooks = dict(logger=dict(interval=4))
randomness = dict(seed=0)
