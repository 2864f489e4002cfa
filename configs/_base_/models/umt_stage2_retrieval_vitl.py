# UMT-L stage-2 model for zero-shot retrieval (see the ViT-B variant).
_base_ = ['./umt_stage2_vitl.py', './umt_stage2_zero-shot.py']
model = _base_.zero_shot
