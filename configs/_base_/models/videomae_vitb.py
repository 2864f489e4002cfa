# VideoMAE pixel pre-training of a ViT-B/16 on 16 frames with tubelet 2
# (VideoMAE; UMT's ablation single_modality/run_mae_pretraining.py):
# tube masking 90%, a 4-block 384-wide decoder with mask tokens, targets the
# per-cube normalised pixels, MSE on the masked tokens.
model = dict(
    type='MaskedVideoPretrain',
    data_preprocessor=dict(
        type='VideoDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'),
    backbone=dict(
        type='UMTViT',
        arch='b',
        img_size=224,
        num_frames=16,
        tubelet_size=2,
        drop_path_rate=0.0,
        pos_embed='sincos'),
    masker=dict(type='TubeMasker', mask_ratio=0.9),
    targets=dict(
        pix=dict(
            type='VideoPixelTarget',
            patch_size=16,
            tubelet_size=2,
            # the preprocessor's statistics, to recover the pixels
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            norm_pix=True)),
    heads=dict(
        pix=dict(
            type='MaskedTokenPredHead',
            in_channels=768,
            embed_dims=384,
            num_layers=4,
            num_heads=6,
            out_channels=1536,  # 3 x 2 x 16 x 16
            drop_path_rate=0.0,
            proj_bias=False,
            pos_embed='sincos',
            loss=dict(type='mmdet.MSELoss'))))
