"""Transformer building blocks shared by every umt_mm vision model.

One definition of the UMT ViT block (the student, the recognizer and the
detector all use it); the positional-embedding helpers live in
:mod:`umt_mm.pos_embed` and are re-exported here. Parameter names follow the
official UMT release so its checkpoints map one-to-one.
"""
from typing import Optional, Tuple, Type

import torch
import torch.nn.functional as F
from timm.layers import DropPath, Mlp
from torch import nn

from ..pos_embed import infer_grid, resize_pos_embed, sincos_table

__all__ = ['PatchEmbed3D', 'Attention', 'Block', 'infer_grid',
           'resize_pos_embed', 'sincos_table']


class PatchEmbed3D(nn.Module):
    """Video to tokens with a ``(tubelet, patch, patch)`` 3-D convolution.

    Args:
        patch_size (int): Spatial patch size. Defaults to 16.
        tubelet_size (int): Temporal patch size. Defaults to 1.
        in_channels (int): Input channels. Defaults to 3.
        embed_dims (int): Token width. Defaults to 768.
    """

    def __init__(self,
                 patch_size: int = 16,
                 tubelet_size: int = 1,
                 in_channels: int = 3,
                 embed_dims: int = 768) -> None:
        super().__init__()
        kernel = (tubelet_size, patch_size, patch_size)
        self.proj = nn.Conv3d(in_channels, embed_dims, kernel, stride=kernel)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, ...]]:
        """``(B, C, T, H, W)`` -> tokens ``(B, T'*H'*W', C')`` and the grid."""
        x = self.proj(x)
        grid = tuple(x.shape[2:])
        return x.flatten(2).transpose(1, 2), grid


class Attention(nn.Module):
    """Multi-head self-attention with the UMT bias layout.

    The qkv projection holds no bias of its own; learnable ``q_bias`` and
    ``v_bias`` are concatenated around a zero key bias, as in the official
    checkpoints. Attention runs through
    :func:`torch.nn.functional.scaled_dot_product_attention`.

    Args:
        dim (int): Token width.
        num_heads (int): Number of heads. Defaults to 8.
        qkv_bias (bool): Learn q and v biases. Defaults to True.
        attn_drop (float): Attention dropout. Defaults to 0.
        proj_drop (float): Output dropout. Defaults to 0.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int = 8,
                 qkv_bias: bool = True,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'dim {dim} is not divisible by '
                             f'num_heads {num_heads}')
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        if qkv_bias:
            self.q_bias = nn.Parameter(torch.zeros(dim))
            self.v_bias = nn.Parameter(torch.zeros(dim))
        else:
            self.register_parameter('q_bias', None)
            self.register_parameter('v_bias', None)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def qkv_bias(self) -> Optional[torch.Tensor]:
        """The full qkv bias: ``[q_bias, 0, v_bias]`` (None without bias)."""
        if self.q_bias is None:
            return None
        return torch.cat(
            (self.q_bias, torch.zeros_like(self.v_bias), self.v_bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, C = x.shape
        qkv = F.linear(x, self.qkv.weight, self.qkv_bias())
        q, k, v = qkv.view(B, N, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        drop = self.attn_drop if self.training else 0.
        x = F.scaled_dot_product_attention(q, k, v, dropout_p=drop)
        return self.proj_drop(self.proj(x.transpose(1, 2).reshape(B, N, C)))


class Block(nn.Module):
    """Pre-norm block: ``x + attn(norm1(x))``, then ``x + mlp(norm2(x))``.

    Args:
        dim (int): Token width.
        num_heads (int): Attention heads.
        mlp_ratio (float): Hidden width of the MLP over ``dim``.
            Defaults to 4.
        qkv_bias (bool): Learn q/v biases. Defaults to True.
        drop (float): Dropout after the attention / MLP projections.
            Defaults to 0.
        attn_drop (float): Attention dropout. Defaults to 0.
        drop_path (float): Stochastic depth rate. Defaults to 0.
        act_layer (type): MLP activation. Defaults to ``nn.GELU``.
        norm_layer (type): Normalisation. Defaults to ``nn.LayerNorm``.
        norm_eps (float): Normalisation epsilon. Defaults to 1e-6.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop: float = 0.,
                 attn_drop: float = 0.,
                 drop_path: float = 0.,
                 act_layer: Type[nn.Module] = nn.GELU,
                 norm_layer: Type[nn.Module] = nn.LayerNorm,
                 norm_eps: float = 1e-6) -> None:
        super().__init__()
        self.norm1 = norm_layer(dim, eps=norm_eps)
        self.attn = Attention(dim, num_heads, qkv_bias, attn_drop, drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()
        self.norm2 = norm_layer(dim, eps=norm_eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), act_layer=act_layer,
                       drop=drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))
