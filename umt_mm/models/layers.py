"""Transformer building blocks shared by every umt_mm vision model.

One definition of the UMT ViT block (the student, the recognizer and the
detector all use it) and of the positional-embedding helpers. Parameter names
follow the official UMT release so its checkpoints map one-to-one.
"""
import math
from typing import Optional, Sequence, Tuple, Type

import numpy as np
import torch
import torch.nn.functional as F
from timm.layers import DropPath, Mlp
from torch import nn


def sincos_table(num_positions: int, dim: int) -> torch.Tensor:
    """1-D sine-cosine table of the official release, shape ``(1, N, dim)``.

    Position ``p`` and channel ``j`` get ``p / 10000 ** (2 * (j // 2) / dim)``;
    even channels take the sine, odd channels the cosine (the table of
    "Attention is all you need", flattened over time and space as UMT does).
    """
    # float64 numpy arithmetic, bit-identical to the official table
    angles = np.arange(num_positions)[:, None] / np.power(
        10000, 2 * (np.arange(dim) // 2) / dim)[None]
    table = np.empty_like(angles)
    table[:, 0::2] = np.sin(angles[:, 0::2])
    table[:, 1::2] = np.cos(angles[:, 1::2])
    table = torch.from_numpy(table)
    return table.to(torch.float32).unsqueeze(0)


def resize_pos_embed(pos_embed: torch.Tensor, src_grid: Sequence[int],
                     dst_grid: Sequence[int]) -> torch.Tensor:
    """Resize a ``(1, T*H*W, C)`` embedding from ``src_grid`` to ``dst_grid``.

    Follows the official fine-tuning code: bicubic interpolation over space
    first, then linear interpolation over time.
    """
    (t, h, w), (nt, nh, nw) = tuple(src_grid), tuple(dst_grid)
    dim = pos_embed.shape[-1]
    x = pos_embed.reshape(t, h, w, dim)
    if (h, w) != (nh, nw):
        x = x.permute(0, 3, 1, 2)
        x = F.interpolate(x.float(), size=(nh, nw), mode='bicubic',
                          align_corners=False)
        x = x.permute(0, 2, 3, 1)
    if t != nt:
        x = x.permute(1, 2, 3, 0).reshape(nh * nw, dim, t)
        x = F.interpolate(x.float(), size=nt, mode='linear')
        x = x.reshape(nh, nw, dim, nt).permute(3, 0, 1, 2)
    return x.reshape(1, nt * nh * nw, dim).to(pos_embed.dtype)


def infer_grid(num_tokens: int, ref_grid: Sequence[int]) -> Tuple[int, ...]:
    """Guess the ``(T, H, W)`` grid of ``num_tokens`` square-frame tokens.

    Keeps the frame count of ``ref_grid`` when the token count allows it,
    otherwise keeps its spatial size (the two cases of the official
    16-frame and 384-pixel checkpoints).
    """
    t, h, w = ref_grid
    side = math.isqrt(num_tokens // t) if num_tokens % t == 0 else 0
    if side and side * side * t == num_tokens:
        return (t, side, side)
    if num_tokens % (h * w) == 0:
        return (num_tokens // (h * w), h, w)
    raise ValueError(f'cannot infer a (T, H, W) grid for {num_tokens} tokens '
                     f'(model grid {tuple(ref_grid)})')


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
    """Pre-norm transformer block: ``x + attn(norm1(x))``, ``x + mlp(norm2(x))``.

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
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = norm_layer(dim, eps=norm_eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), act_layer=act_layer,
                       drop=drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))
