# UMT-B/16 + mmaction2 AVA RoI head (the official UMT detection head):
# feature map (B, 768, 8, H/16, W/16) -> temporal average -> 7x7 RoIAlign
# (stride 16, sampling_ratio 0, unaligned like alphaction's ROIAlign3d) ->
# spatial max pool -> linear classifier, sigmoid multi-label over 80 AVA
# actions (+ mmaction2's background column 0, ignored by the loss).
model = dict(
    type='FastRCNN',
    _scope_='mmdet',
    backbone=dict(
        # registered in mmaction's MODELS; the prefix crosses the scope
        type='mmaction.UMTViTDet',
        arch='b',
        img_size=224,
        num_frames=8,
        tubelet_size=1,
        drop_path_rate=0.2,
        final_norm=True),
    # leaf configs add backbone.init_cfg=dict(type='Pretrained', ...) with a
    # K710/K400 fine-tuned umt_mm classifier (keys ``backbone.*``)
    roi_head=dict(
        type='AVARoIHead',
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor3D',
            roi_layer_type='RoIAlign',
            featmap_stride=16,
            output_size=7,
            sampling_ratio=0,
            aligned=False,
            with_temporal_pool=True,
            temporal_pool_mode='avg'),
        bbox_head=dict(
            type='BBoxHeadAVA',
            background_class=True,
            in_channels=768,
            num_classes=81,
            multilabel=True,
            temporal_pool_type='avg',
            spatial_pool_type='max',
            # the official head has no dropout before its classifier
            dropout_ratio=0.)),
    data_preprocessor=dict(
        type='VideoDataPreprocessor',
        _scope_='mmaction',
        # official AVA normalisation (alphaction TransformsCfg), RGB
        mean=[122.7717, 115.9465, 102.9801],
        std=[57.375, 57.375, 57.375],
        format_shape='NCTHW'),
    train_cfg=dict(
        rcnn=dict(
            assigner=dict(
                type='MaxIoUAssignerAVA',
                pos_iou_thr=0.9,
                neg_iou_thr=0.9,
                min_pos_iou=0.9),
            sampler=dict(
                type='RandomSampler',
                num=32,
                pos_fraction=1,
                neg_pos_ub=-1,
                add_gt_as_proposals=True),
            pos_weight=1.0)),
    test_cfg=dict(rcnn=None))
