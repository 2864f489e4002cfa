from . import layer_decay  # noqa: F401 (layer-wise lr decay)
from . import schedulers  # noqa: F401 (lr schedulers given in lrs)
from . import mask_vis_hook, progress_hook, vis_backends  # noqa: F401
from .amp import CPUAmpOptimWrapper
from .dist import setup_cpu_distributed
from .hooks import UMTCheckpointHook
from .launch import build_runner, metrics_table, test_config, train_config
from .loops import ResumableEpochBasedTrainLoop
from .runner import UMTRunner

__all__ = [
    'CPUAmpOptimWrapper', 'ResumableEpochBasedTrainLoop',
    'UMTCheckpointHook', 'UMTRunner', 'build_runner', 'metrics_table',
    'setup_cpu_distributed', 'test_config', 'train_config'
]
