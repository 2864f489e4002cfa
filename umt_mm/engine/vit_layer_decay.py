"""Layer-wise learning-rate decay for ViT backbones (UMT fine-tuning)."""
import re
from typing import List

from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from ..registry import OPTIM_WRAPPER_CONSTRUCTORS

_BLOCK = re.compile(r'^backbone\.blocks\.(\d+)\.')


def vit_layer_id(name: str, num_layers: int) -> int:
    """0 for the embeddings, ``i + 1`` for block ``i``, else ``num_layers+1``.

    Same rule as the official UMT/VideoMAE ``get_num_layer_for_vit`` with
    the parameter names of a umt_mm model (backbone under ``backbone.``).
    """
    if name.startswith(('backbone.patch_embed', 'backbone.pos_embed',
                        'backbone.cls_token')):
        return 0
    match = _BLOCK.match(name)
    if match:
        return int(match.group(1)) + 1
    return num_layers + 1


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class ViTLayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """AdamW groups with ``lr * decay_rate ** (num_layers + 1 - layer_id)``.

    Unlike mmaction2's ``LearningRateDecayOptimizerConstructor`` it does not
    require the backbone class name to contain ``VisionTransformer``.
    Parameters that are 1-D, biases, or named by the backbone's
    ``no_weight_decay()`` get no weight decay (official rule).

    ``paramwise_cfg``: ``num_layers`` (int, required) and ``decay_rate``
    (float, required).
    """

    def add_params(self, params: List[dict], module: nn.Module,
                   **kwargs) -> None:
        num_layers = self.paramwise_cfg.get('num_layers')
        decay_rate = self.paramwise_cfg.get('decay_rate')
        if num_layers is None or decay_rate is None:
            raise ValueError('paramwise_cfg needs num_layers and decay_rate')
        skip = set()
        backbone = getattr(module, 'backbone', None)
        if backbone is not None and hasattr(backbone, 'no_weight_decay'):
            skip = {f'backbone.{n}' for n in backbone.no_weight_decay()}
        groups = {}
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            no_decay = param.ndim == 1 or name.endswith('.bias') or \
                name in skip
            layer_id = vit_layer_id(name, num_layers)
            key = f"layer_{layer_id}_{'no_decay' if no_decay else 'decay'}"
            if key not in groups:
                scale = decay_rate**(num_layers + 1 - layer_id)
                groups[key] = dict(
                    params=[],
                    lr=self.base_lr * scale,
                    lr_scale=scale,
                    weight_decay=0. if no_decay else self.base_wd,
                    group_name=key)
            groups[key]['params'].append(param)
        MMLogger.get_current_instance().info(
            'layer-wise lr decay %s over %d layers: %d groups' %
            (decay_rate, num_layers, len(groups)))
        params.extend(groups.values())
