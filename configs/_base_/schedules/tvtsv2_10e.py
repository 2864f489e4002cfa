# TVTSv2 pre-training schedule (paper appendix Table 8, official
# v2/configs/dist-yt-web-pt-vit-b-16.json): AdamW, weight decay 0.05,
# lr 1e-4 for new modules and 1e-7 for the image-pretrained ones (here the
# vision encoder and the text encoder), 10 epochs, batch 768.
max_epochs = 10
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'vision_encoder': dict(lr_mult=1e-3),
            'text_encoder': dict(lr_mult=1e-3)
        }))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(enable=False, base_batch_size=768)
