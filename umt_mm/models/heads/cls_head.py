"""Classification head of the fine-tuned UMT recognizer."""
import json
from typing import Dict, Optional, Sequence, Union

import torch
from mmaction.models.heads import BaseHead
from mmengine.logging import MMLogger
from mmengine.model.weight_init import trunc_normal_init
from torch import Tensor, nn

from ...registry import MODELS


def load_channel_map(path: str) -> list:
    """Read a ``[row of the source head for class i, ...]`` JSON list."""
    with open(path) as f:
        rows = json.load(f)
    if not isinstance(rows, list) or not all(isinstance(r, int) for r in rows):
        raise ValueError(f'{path} must hold a JSON list of integers')
    if len(set(rows)) != len(rows):
        raise ValueError(f'{path} maps two classes to the same source row')
    return rows


@MODELS.register_module()
class UMTClsHead(BaseHead):
    """Mean pooling, ``fc_norm`` LayerNorm, dropout and a linear classifier.

    The head of the official fine-tuned UMT ``VisionTransformer`` (its
    ``fc_norm`` / ``fc_dropout`` / ``head``), as an mmaction2 ``BaseHead`` so
    that label smoothing, soft (mixup / cutmix) labels and multi-view score
    averaging (``average_clips``) come from mmaction2. Official
    ``fc_norm.*`` maps to ``fc_norm.*`` and ``head.*`` to ``fc_cls.*``.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Token width of the backbone.
        loss_cls (dict): Classification loss. Defaults to
            ``dict(type='CrossEntropyLoss')`` (it accepts soft labels).
        dropout_ratio (float): Dropout before ``fc_cls``. Defaults to 0.
        fc_norm (bool): LayerNorm on the pooled feature. Defaults to True.
        norm_eps (float): Its epsilon. Defaults to 1e-6.
        init_std (float): Std of the truncated-normal ``fc_cls`` init.
            Defaults to 0.02.
        init_scale (float): Factor on the initial ``fc_cls`` weight and bias
            (official ``init_scale``). Defaults to 0.001.
        channel_map (str, optional): JSON list giving, for each class, its row
            in a larger source head (e.g. K710 -> K400). A ``fc_cls`` of
            ``len(source)`` rows is then sliced while loading. Defaults to
            None.
        **kwargs: ``label_smooth_eps``, ``topk``, ``average_clips``... of
            :class:`mmaction.models.heads.BaseHead`.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss_cls: Dict = dict(type='CrossEntropyLoss'),
                 dropout_ratio: float = 0.,
                 fc_norm: bool = True,
                 norm_eps: float = 1e-6,
                 init_std: float = 0.02,
                 init_scale: float = 0.001,
                 channel_map: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, loss_cls, **kwargs)
        self.init_std = init_std
        self.init_scale = init_scale
        self.fc_norm = nn.LayerNorm(in_channels, eps=norm_eps) \
            if fc_norm else nn.Identity()
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 \
            else nn.Identity()
        self.fc_cls = nn.Linear(in_channels, num_classes)
        self.channel_map = channel_map
        self._register_load_state_dict_pre_hook(self._check_classes_hook)

    def init_weights(self) -> None:
        """Truncated-normal classifier scaled by ``init_scale`` (official)."""
        trunc_normal_init(self.fc_cls, std=self.init_std, bias=0.)
        with torch.no_grad():
            self.fc_cls.weight.mul_(self.init_scale)
            self.fc_cls.bias.mul_(self.init_scale)
        if isinstance(self.fc_norm, nn.LayerNorm):
            nn.init.ones_(self.fc_norm.weight)
            nn.init.zeros_(self.fc_norm.bias)

    def _check_classes_hook(self, state_dict, prefix, *args, **kwargs):
        """Slice a larger source head by ``channel_map``; else name a class
        count mismatch clearly instead of a bare size error."""
        key = prefix + 'fc_cls.weight'
        if key not in state_dict:
            return
        rows = state_dict[key].shape[0]
        if rows == self.num_classes:
            return
        if self.channel_map is not None:
            index = load_channel_map(self.channel_map)
            if len(index) != self.num_classes or max(index) >= rows:
                raise ValueError(
                    f'channel_map {self.channel_map} has {len(index)} entries'
                    f' (max row {max(index)}) but the head has '
                    f'{self.num_classes} classes and {key} {rows} rows')
            index = torch.tensor(index)
            for name in ('fc_cls.weight', 'fc_cls.bias'):
                if prefix + name in state_dict:
                    state_dict[prefix + name] = \
                        state_dict[prefix + name][index].clone()
            MMLogger.get_current_instance().info(
                f'Selected {self.num_classes} of {rows} classifier rows of '
                f'{key} with channel_map {self.channel_map}.')
            return
        raise ValueError(
            f'class count mismatch: {key} has {rows} classes in the '
            f'checkpoint but the model has num_classes={self.num_classes} '
            '(set cls_head.num_classes, or cls_head.channel_map to map a '
            'larger head such as K710 onto this label set)')

    def pool(self, x: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """Tokens ``(B, N, C)`` / maps ``(B, C, T, H, W)`` -> ``(B, C)``."""
        if isinstance(x, (list, tuple)):
            x = x[-1]
        if x.dim() == 3:
            return x.mean(1)
        if x.dim() == 5:
            return x.flatten(2).mean(-1)
        if x.dim() == 2:
            return x
        raise ValueError(f'UMTClsHead expects (B, N, C) tokens, a (B, C, T, '
                         f'H, W) map or (B, C) features; got {tuple(x.shape)}')

    def forward(self, x: Union[Tensor, Sequence[Tensor]], **kwargs) -> Tensor:
        """Class scores ``(B, num_classes)``."""
        return self.fc_cls(self.dropout(self.fc_norm(self.pool(x))))
