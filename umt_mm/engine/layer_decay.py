"""mmpretrain's layer-wise lr decay for mmaction2 recognizers and detectors."""
from functools import partial
from typing import Callable, List, Optional

from mmpretrain.engine.optimizers import \
    LearningRateDecayOptimWrapperConstructor
from torch import nn

from ..registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class RecognizerLayerDecayOptimWrapperConstructor(
        LearningRateDecayOptimWrapperConstructor):
    """mmpretrain's ``LearningRateDecayOptimWrapperConstructor`` for models
    whose *backbone* defines ``get_layer_depth``.

    mmpretrain looks the method up on the top-level model (its classifiers
    forward it to the backbone); mmaction2's ``Recognizer3D`` has none, so
    this passes ``model.backbone.get_layer_depth`` with the ``backbone.``
    prefix (mmdet's ``FastRCNN`` for AVA works the same way). Grouping,
    weight-decay rules (``flat_decay_mult``, ``custom_keys``...) and
    ``layer_decay_rate`` are mmpretrain's.
    """

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   get_layer_depth: Optional[Callable] = None,
                   **kwargs) -> None:
        if get_layer_depth is None and not hasattr(module, 'get_layer_depth'):
            backbone = getattr(module, 'backbone', None)
            if backbone is None or not hasattr(backbone, 'get_layer_depth'):
                raise NotImplementedError(
                    f'layer-wise lr decay needs {type(module).__name__} or '
                    'its backbone to define get_layer_depth')
            get_layer_depth = partial(backbone.get_layer_depth,
                                      prefix=prefix + 'backbone.')
        super().add_params(params, module, prefix, get_layer_depth, **kwargs)
