"""Unmasked token alignment head of UMT stage 1."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from ...checkpoint import load_init_cfg
from ...registry import MODELS
from ..layers import sincos_table
from ..maskers import gather_kept


class LinearDecoder(nn.Module):
    """``head`` (student width -> teacher width), ``norm``, then l2 norm."""

    def __init__(self, in_dims: int, out_dims: int,
                 norm_eps: float = 1e-6) -> None:
        super().__init__()
        self.head = nn.Linear(in_dims, out_dims)
        self.norm = nn.LayerNorm(out_dims, eps=norm_eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.norm(self.head(x)), dim=-1)


@MODELS.register_module()
class UMTDistillHead(BaseModule):
    """Aligns the student's last K layers with the teacher's tokens.

    For each aligned layer, a linear decoder is applied after adding the
    fixed sine-cosine embedding of the kept positions; outputs are
    LayerNorm-ed and l2-normalised, then compared to the teacher tokens at
    the same positions. The loss is averaged over tokens and layers.

    Args:
        in_channels (int): Student width.
        out_channels (int): Teacher output width (CLIP projection dim).
        num_layers (int): Number of aligned layers K. Defaults to 6.
        loss (dict): Loss config called as ``loss(pred, target)`` on
            ``(M, C)`` rows. Defaults to ``2 - 2 * cosine``
            (``mmpretrain.CosineSimilarityLoss``, the official ``l2``); use
            ``mmdet.MSELoss`` / ``mmdet.SmoothL1Loss`` for ``mse`` /
            ``smooth_l1``.
        loss_weight (float): Weight of the alignment loss. Defaults to 1.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_layers: int = 6,
                 loss: Optional[Dict] = None,
                 loss_weight: float = 1.0,
                 norm_eps: float = 1e-6,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.clip_decoder = nn.ModuleList([
            LinearDecoder(in_channels, out_channels, norm_eps)
            for _ in range(num_layers)
        ])
        self.loss_module = MODELS.build(loss or dict(
            type='mmpretrain.CosineSimilarityLoss', shift_factor=2.0,
            scale_factor=2.0))
        self.loss_weight = loss_weight
        self._table = torch.empty(0)

    def init_weights(self) -> None:
        """Xavier-uniform decoders and unit LayerNorms, as the official; a
        ``Pretrained`` init_cfg loads through
        :func:`umt_mm.checkpoint.load_init_cfg` instead."""
        if load_init_cfg(self, self.init_cfg):
            self._is_init = True
            return
        super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def pos_table(self, num_tokens: int, device: torch.device) -> torch.Tensor:
        """Sine-cosine table ``(N, C)``, cached on the device."""
        if self._table.shape[0] != num_tokens or self._table.device != device:
            self._table = sincos_table(num_tokens, self.in_channels)[0].to(
                device)
        return self._table

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Decode student layers ``(K, B, n, C)`` kept at ``~mask`` ``(B, N)``.

        Returns:
            Tensor: ``(K, B, n, out_channels)`` l2-normalised predictions.
        """
        K, B, n, C = x.shape
        if len(self.clip_decoder) != K:
            raise ValueError(f'head aligns {len(self.clip_decoder)} layers, '
                             f'the student returned {K}')
        pos = self.pos_table(mask.shape[1], x.device).to(x.dtype)
        x = x + gather_kept(pos.expand(B, -1, -1), mask)
        return torch.stack(
            [dec(x[i]) for i, dec in enumerate(self.clip_decoder)])

    def loss(self, x: torch.Tensor, target: torch.Tensor,
             mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Alignment loss of student layers against teacher tokens.

        Args:
            x (Tensor): Student layers ``(K, B, n, C)`` of the kept tokens.
            target (Tensor): Teacher tokens ``(K, B, n, D)`` at those tokens.
            mask (Tensor): Bool ``(B, N)``, True = masked.
        """
        pred = self.forward(x, mask)
        if pred.shape != target.shape:
            raise ValueError(f'prediction {tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} differ')
        dim = pred.shape[-1]
        loss = self.loss_module(pred.float().reshape(-1, dim),
                                target.float().reshape(-1, dim))
        return dict(loss_align=self.loss_weight * loss)
