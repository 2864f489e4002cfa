# InternVideo model interaction (seed 001, Sec. 3.3 / 4.2.3): a frozen
# masked-video encoder (UMT / VideoMAE ViT-B) and a frozen multimodal video
# encoder (the stage-2 vision encoder), each class token updated from the
# other's tokens by cross-model attention (MHCA + FFN, tanh gates at 0),
# classified by each encoder's own classifier, scores fused by learnable
# weights. Only the interaction modules and classifiers learn.
# Set the encoders' weights with
#   model.backbone.masked.init_cfg.checkpoint=umt://<recognizer/stage-1 ckpt>
#   model.backbone.multimodal.init_cfg.checkpoint=umt://<stage-2 ckpt>
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='DualVideoEncoder',
        masked=dict(
            type='UMTViT',
            arch='b',
            img_size=224,
            num_frames=8,
            final_norm=False,  # its classifier pools then applies fc_norm
            init_cfg=dict(type='Pretrained', checkpoint=None)),
        multimodal=dict(
            type='UMTViT',
            arch='b',
            img_size=224,
            num_frames=8,
            init_cfg=dict(type='Pretrained', checkpoint=None))),
    cls_head=dict(
        type='CrossModelInteractionHead',
        num_classes=400,
        in_channels=768,
        mm_channels=768,
        num_heads=12,
        dropout_ratio=0.9,  # as printed in the paper (Sec. 4.2.3)
        average_clips='prob'),
    data_preprocessor=dict(
        type='VideoDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
