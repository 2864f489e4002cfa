# Runtime of the fine-tuning configs: default_runtime.py, keeping the best
# checkpoint (val top-1) and the last two epochs.
_base_ = ['./default_runtime.py']
default_hooks = dict(checkpoint=dict(save_best='auto', max_keep_ckpts=2))
