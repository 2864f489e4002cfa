# Runtime shared by every umt_mm config (mmaction2 1.x / mmengine style).
default_scope = 'mmaction'
# importing umt_mm applies its compat fixes and registers its modules
custom_imports = dict(imports=['umt_mm'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=3, save_best=None),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'),
    # a tqdm bar over the batches of validation and testing
    progress=dict(type='ProgressBarHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py and tools/test.py switch this to 'gloo' on CPU-only
    # machines when launched distributed
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)

# LocalVisBackend: <work_dir>/<time>/vis_data/scalars.json; TensorBoard
# (tensorboard --logdir work_dirs) when the tensorboard package is installed,
# else off with a warning (umt_mm/engine/vis_backends.py)
vis_backends = [
    dict(type='LocalVisBackend'),
    dict(type='OptionalTensorboardVisBackend')
]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

# umt_mm's Runner (docs/reliability.md): unloadable training samples are
# replaced (at most train_cfg.max_bad_fraction, default 1%), annotation lists
# are checked when built, checkpoints are atomic and resume is exact
runner_type = 'UMTRunner'
# val/test: 'raise' stops at an unloadable video (naming file and line);
# 'skip' checks every video first and leaves the undecodable ones out
bad_eval_samples = 'raise'

log_level = 'INFO'
load_from = None
resume = False
# ``randomness`` is left unset (seed None) like mmaction2; tools/train.py
# fills it from --seed, and demo configs set a fixed seed.
