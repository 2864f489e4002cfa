# video_language_ft.py without warm-up (official warmup_epochs=0).
_base_ = ['./video_language_ft.py']
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min_ratio=0.01, by_epoch=True,
         begin=0, convert_to_iter_based=True)
]
