# UMT stage 1, ViT-B/16 student distilled from CLIP-ViT-B/16 (paper Sec. 3.1).
model = dict(
    type='UMTPretrain',
    data_preprocessor=dict(
        type='VideoDataPreprocessor',
        mean=[123.675, 116.28, 103.53],  # ImageNet statistics, as official;
        std=[58.395, 57.12, 57.375],  # the teacher sees the same frames
        format_shape='NCTHW'),
    backbone=dict(
        type='UMTViT',
        arch='b',
        img_size=224,
        num_frames=8,
        tubelet_size=1,
        drop_path_rate=0.1,
        pos_embed='sincos',
        return_layers=6,  # the last 6 layers are aligned
        with_cp=False),
    teacher=dict(
        type='CLIPTeacher',
        arch='b16',
        input_resolution=224,
        return_layers=6,
        # OpenAI ViT-B-16.pt, a Hugging Face CLIP dir or UMT's vit_b16.pth
        pretrained=None),
    masker=dict(type='AttentionMasker', mask_ratio=0.8),
    head=dict(
        type='UMTDistillHead',
        in_channels=768,
        out_channels=512,
        num_layers=6,
        loss=dict(
            type='mmpretrain.CosineSimilarityLoss',  # official 'l2'
            shift_factor=2.0,
            scale_factor=2.0),
        loss_weight=1.0))
