# UMT-L stage-2 model for zero-shot retrieval (see the ViT-B variant).
_base_ = ['./umt_stage2_vitl.py']
model = dict(
    vision_encoder=dict(return_layers=0, with_cp=False, drop_path_rate=0.),
    vision_pretrained=None,
    text_encoder=dict(with_cp=False),
    teacher=None,
    distill_head=None,
    video_masker=None,
    image_masker=None,
    loss_weights=dict(uta=0.0))
