# video_language_ft.py without warm-up (official warmup_epochs=0).
_base_ = ['./video_language_ft.py']
cosine = dict(_base_.cosine, begin=0)
param_scheduler = [cosine]
