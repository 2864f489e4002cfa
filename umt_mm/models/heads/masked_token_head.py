"""Shallow decoder with mask tokens: VideoMAE pixels and MVD features."""
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from timm.layers import trunc_normal_
from torch import nn

from ...pos_embed import sincos_3d_table, sincos_table
from ...registry import MODELS
from ..layers import Block


@MODELS.register_module()
class MaskedTokenPredHead(BaseModule):
    """Predicts a target for every masked token from the visible tokens.

    The visible student tokens are projected to the decoder width and get
    the decoder's fixed positional table; one learnable mask token, plus the
    table entry of its position, stands for each masked token. A few
    :class:`~umt_mm.models.layers.Block` run over both, and ``head`` maps the
    mask tokens' outputs (after ``norm``) to the target width. The VideoMAE
    decoder (``encoder_to_decoder`` without bias, 1-D table) and the MVD
    feature decoders (``down_img``/``down_vid`` with bias, 3-D table) are two
    settings of it.

    Args:
        in_channels (int): Student width.
        embed_dims (int): Decoder width.
        num_layers (int): Decoder blocks.
        num_heads (int): Decoder attention heads.
        out_channels (int): Target width (``3 * tubelet * patch ** 2`` for
            pixels, the teacher width for features).
        mlp_ratio (float): MLP hidden ratio. Defaults to 4.
        qkv_bias (bool): Learn q/v biases. Defaults to True.
        drop_path_rate (float): Final stochastic depth rate of the decoder
            (linear rule). Defaults to 0.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6.
        proj_bias (bool): Bias of the input projection ``proj``.
            Defaults to False (VideoMAE; MVD uses True).
        pos_embed (str): Fixed table: ``'sincos'`` (1-D over the flattened
            grid, VideoMAE) or ``'sincos3d'`` (MVD). Defaults to 'sincos'.
        loss (dict): Loss module called as ``loss(pred, target)``.
            Defaults to ``mmdet.MSELoss`` (mean over all elements).
        loss_weight (float): Multiplies the loss. Defaults to 1.
        init_cfg (dict | list, optional): Initialisation config. Defaults to
            Xavier-uniform linears (zero bias) and unit LayerNorms.
    """

    def __init__(self,
                 in_channels: int,
                 embed_dims: int,
                 num_layers: int,
                 num_heads: int,
                 out_channels: int,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop_path_rate: float = 0.,
                 norm_eps: float = 1e-6,
                 proj_bias: bool = False,
                 pos_embed: str = 'sincos',
                 loss: Optional[Dict] = None,
                 loss_weight: float = 1.,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg or [
            dict(type='Xavier', layer='Linear', distribution='uniform'),
            dict(type='Constant', layer='LayerNorm', val=1., bias=0.)
        ])
        if pos_embed not in ('sincos', 'sincos3d'):
            raise ValueError("MaskedTokenPredHead pos_embed must be 'sincos'"
                             f" or 'sincos3d', got {pos_embed!r}")
        self.embed_dims = embed_dims
        self.pos_embed = pos_embed
        self.proj = nn.Linear(in_channels, embed_dims, bias=proj_bias)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        dpr = torch.linspace(0, drop_path_rate, num_layers).tolist()
        self.blocks = nn.ModuleList([
            Block(embed_dims, num_heads, mlp_ratio, qkv_bias,
                  drop_path=dpr[i], norm_eps=norm_eps)
            for i in range(num_layers)
        ])
        self.norm = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.head = nn.Linear(embed_dims, out_channels)
        self.loss_module = MODELS.build(loss or dict(type='mmdet.MSELoss'))
        self.loss_weight = loss_weight
        self._tables: Dict[Tuple, torch.Tensor] = {}

    def init_weights(self) -> None:
        """Xavier-uniform linears and unit LayerNorms by the default
        ``init_cfg``, then the mask token from N(0, 0.02) (official)."""
        super().init_weights()
        if not (isinstance(self.init_cfg, dict)
                and self.init_cfg.get('type') == 'Pretrained'):
            trunc_normal_(self.mask_token, std=.02)

    def no_weight_decay(self) -> set:
        return {'mask_token'}

    def pos_table(self, grid: Sequence[int],
                  device: torch.device) -> torch.Tensor:
        """The fixed ``(N, embed_dims)`` table of ``grid``, cached."""
        key = (tuple(grid), device)
        if key not in self._tables:
            if self.pos_embed == 'sincos':
                n = grid[0] * grid[1] * grid[2]
                table = sincos_table(n, self.embed_dims)
            else:
                table = sincos_3d_table(grid, self.embed_dims)
            self._tables[key] = table[0].to(device)
        return self._tables[key]

    def forward(self, x: torch.Tensor, mask: torch.Tensor,
                grid: Sequence[int]) -> torch.Tensor:
        """Decode visible tokens ``(B, n, C)`` kept at ``~mask`` ``(B, N)``.

        Returns:
            Tensor: ``(B, N - n, out_channels)``, the masked tokens in the
            order of ``mask.nonzero()`` (the order of ``target[mask]``).
        """
        x = self.proj(x)
        B, n, C = x.shape
        pos = self.pos_table(grid, x.device).to(x.dtype).expand(B, -1, -1)
        x = torch.cat([
            x + pos[~mask].view(B, n, C),
            self.mask_token.to(x.dtype) + pos[mask].view(B, -1, C)
        ], dim=1)
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x[:, n:]))

    def loss(self, x: torch.Tensor, mask: torch.Tensor,
             grid: Sequence[int], target: torch.Tensor) -> torch.Tensor:
        """Weighted loss of the predictions against ``target[mask]``.

        Args:
            x (Tensor): Visible student tokens ``(B, n, C)``.
            mask (Tensor): Bool ``(B, N)``, True = masked.
            grid (Sequence[int]): The student's ``(T, H, W)`` token grid.
            target (Tensor): Targets of the masked tokens ``(B, N - n, D)``.
        """
        pred = self.forward(x, mask, grid)
        if pred.shape != target.shape:
            raise ValueError(f'prediction {tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} differ (head '
                             'out_channels vs. target width)')
        return self.loss_weight * self.loss_module(pred.float(),
                                                   target.float())
