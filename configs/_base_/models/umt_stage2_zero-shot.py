# What zero-shot retrieval changes in a stage-2 model (no teacher, no
# masking, no UTA, no activation checkpointing); umt_stage2_retrieval_vit{b,l}
# .py merge it into their stage-2 model with ``model = _base_.zero_shot``.
zero_shot = dict(
    vision_encoder=dict(return_layers=0, with_cp=False, drop_path_rate=0.),
    vision_pretrained=None,
    text_encoder=dict(with_cp=False),
    teacher=None,
    distill_head=None,
    video_masker=None,
    image_masker=None,
    loss_weights=dict(uta=0.0))
