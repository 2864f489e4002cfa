# VideoMAE on the synthetic videos of tools/make_demo_data.py (CPU, minutes):
# a tiny student and decoder, 8 frames at 64 px (4x4x4 tubelet tokens).
_base_ = [
    '../_base_/models/videomae_vitb.py', '../_base_/datasets/demo_stage1.py',
    '../_base_/schedules/demo_stage1.py', '../_base_/default_runtime.py'
]
tiny = dict(_delete_=True, embed_dims=64, num_layers=4, num_heads=4)
# The synthetic frames carry per-pixel sensor noise (std 6 / 255): normalising
# each cube by its own std would turn flat cubes into unit-variance noise the
# model cannot predict, so the demo regresses plain [0, 1] pixels.
model = dict(
    backbone=dict(arch=tiny, img_size=64, num_frames=8),
    targets=dict(pix=dict(norm_pix=False)),
    heads=dict(
        pix=dict(in_channels=64, embed_dims=32, num_layers=2, num_heads=2)))
default_hooks = dict(logger=dict(interval=4))
randomness = dict(seed=0)
optim_wrapper = dict(optimizer=dict(lr=3e-3))
