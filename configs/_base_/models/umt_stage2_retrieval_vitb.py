# UMT-B stage-2 model for zero-shot retrieval: no teacher, no masking; load a
# stage-2 checkpoint (umt_mm or converted official b16_*.pth) with
# tools/test.py. Re-ranking uses the VTM head of the checkpoint.
_base_ = ['./umt_stage2_vitb.py']
model = dict(
    vision_encoder=dict(return_layers=0, with_cp=False, drop_path_rate=0.),
    vision_pretrained=None,
    text_encoder=dict(with_cp=False),
    teacher=None,
    distill_head=None,
    video_masker=None,
    image_masker=None,
    loss_weights=dict(uta=0.0))
