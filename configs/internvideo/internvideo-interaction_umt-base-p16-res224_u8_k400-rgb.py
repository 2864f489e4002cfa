# InternVideo-style interaction of a UMT-B recognizer (masked-video encoder)
# and the UMT-B stage-2 vision encoder (multimodal) on Kinetics-400,
# validated every epoch.
#   tools/dist_train.sh CONFIG 8 --cfg-options \
#     model.backbone.masked.init_cfg.checkpoint=umt://RECOGNIZER.pth \
#     model.backbone.multimodal.init_cfg.checkpoint=umt://STAGE2.pth
_base_ = [
    '../_base_/models/internvideo_interaction_vitb.py',
    '../_base_/datasets/kinetics400_ft.py',
    '../_base_/schedules/internvideo_interaction_5e.py',
    '../_base_/default_runtime.py'
]
train_dataloader = dict(batch_size=8)  # x 2 repeats x 4 GPUs = 64 clips
train_cfg = dict(val_begin=1, val_interval=1)
