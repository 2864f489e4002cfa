# UMT stage 2 (multimodal), ViT-B/16 student initialised from stage 1,
# CLIP-ViT-B/16 teacher for UTA, BERT-base (cross-attention from layer 9).
# Weights (set in the child's ``model`` or with --cfg-options):
#   model.vision_pretrained: stage-1 checkpoint, e.g.
#     'work_dirs/stage1_vitb/epoch_200.pth' (becomes the Pretrained init_cfg
#     of vision_encoder (backbone.*) and distill_head (head.*)),
#   model.teacher.pretrained: CLIP, e.g. 'checkpoints/clip/ViT-B-16.pt',
#   model.text_encoder.pretrained: any transformers BERT directory.
model = dict(
    type='UMTStage2',
    data_preprocessor=dict(
        type='VideoDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'),
    vision_encoder=dict(
        type='UMTViT',
        arch='b',
        img_size=224,
        num_frames=4,
        tubelet_size=1,
        drop_path_rate=0.1,
        return_layers=6,
        with_cp=False),  # official use_checkpoint=False (text side: True)
    vision_pretrained=None,
    text_encoder=dict(
        type='UMTTextEncoder',
        pretrained='checkpoints/bert-base-uncased',
        fusion_layer=9,
        freeze_layers=0,  # TVTSv2 degradation-free: e.g. 9 (+ embeddings)
        with_cp=True),
    teacher=dict(
        type='CLIPTeacher',
        arch='b16',
        input_resolution=224,
        return_layers=6,
        pretrained=None),
    # the official multi-modality decoders use LayerNorm's default eps
    distill_head=dict(
        type='UMTDistillHead', in_channels=768, out_channels=512,
        num_layers=6, norm_eps=1e-5),
    video_masker=dict(type='AttentionMasker', mask_ratio=0.8),
    image_masker=dict(type='AttentionMasker', mask_ratio=0.5),
    embed_dim=512,
    temp=0.07,
    temp_range=(0.001, 0.5),
    loss_weights=dict(vtc=1.0, vtm=1.0, mlm=1.0, uta=1.0),
    mlm_prob=0.5,
    # per-frame features at test (official keep_temporal=True; training
    # with masking pools the clip either way)
    keep_temporal=True)
