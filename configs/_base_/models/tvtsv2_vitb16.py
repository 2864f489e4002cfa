# TVTSv2 ViT-B/16 (seed 004): 12-frame video encoder with 50% random tube
# masking, a text encoder without cross-attention whose embeddings and first
# three quarters of the layers are frozen (BERT-base: 9 of 12; the paper
# freezes layers 1-9 of CLIP's 12-layer text transformer), a 512-d shared
# space, VTC at a fixed temperature 0.05 + 2 * transcript sorting (K = 4,
# 2-block joint attention, official SortTransformer).
# Weights: model.vision_pretrained (a umt_mm / official UMT checkpoint) and
# model.text_encoder.pretrained (a transformers BERT directory).
model = dict(
    type='TVTSv2Pretrain',
    data_preprocessor=dict(
        type='VideoDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'),
    vision_encoder=dict(
        type='UMTViT',
        arch='b',
        img_size=224,
        num_frames=12,  # K = 4 segments x 3 frames
        tubelet_size=1,
        drop_path_rate=0.1,
        return_layers=0,
        with_cp=False),
    vision_pretrained=None,
    text_encoder=dict(
        type='UMTTextEncoder',
        pretrained='checkpoints/bert-base-uncased',
        fusion_layer=12,  # every layer text-only (no cross-attention)
        freeze_layers=9,
        with_mlm_head=False,
        with_cp=False),
    sort_head=dict(
        type='TranscriptSortHead', num_segments=4, depth=2, num_heads=8),
    video_masker=dict(type='TubeMasker', mask_ratio=0.5),
    embed_dim=512,
    temp=0.05,
    loss_weights=dict(vtc=1.0, ts=2.0))
