# UMT-B stage-2 model for zero-shot retrieval: no teacher, no masking; load a
# stage-2 checkpoint (umt_mm or converted official b16_*.pth) with
# tools/test.py. Re-ranking uses the VTM head of the checkpoint.
_base_ = ['./umt_stage2_vitb.py', './umt_stage2_zero-shot.py']
model = _base_.zero_shot
