# UMT-B/16 action recognizer (paper Sec. 4.1): the UMTViT student without
# its final norm (official classifier: mean pooling + fc_norm), UMTClsHead,
# mixup 0.8 / cutmix 1.0 (switch prob 0.5) soft labels + label smoothing 0.1,
# no dropout before the classifier (official --fc_drop_rate defaults to 0 and
# no script sets it). The class count of the head and of the blending is set
# by the dataset base (``label_model``, see kinetics400_ft.py).
# Initialise with backbone.init_cfg=dict(type='Pretrained',
# checkpoint='umt://<stage-1 or stage-2 checkpoint>') or load_from=<umt_mm
# recognizer checkpoint>.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='UMTViT',
        arch='b',
        img_size=224,
        num_frames=8,
        tubelet_size=1,
        drop_path_rate=0.1,
        pos_embed='sincos',
        final_norm=False,
        with_cp=False),
    cls_head=dict(
        type='UMTClsHead',
        num_classes=400,
        in_channels=768,
        dropout_ratio=0.0,
        label_smooth_eps=0.1,
        loss_cls=dict(type='CrossEntropyLoss'),
        average_clips='prob'),
    data_preprocessor=dict(
        type='VideoDataPreprocessor',
        mean=[123.675, 116.28, 103.53],  # ImageNet statistics, as official
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW',
        blending=dict(
            type='RandomBatchAugment',
            augments=[
                dict(type='MixupBlending', alpha=0.8, num_classes=400),
                dict(type='CutmixBlending', alpha=1.0, num_classes=400)
            ],
            probs=[0.5, 0.5])))
