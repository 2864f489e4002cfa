"""Sine-cosine position tables and their resizing (torch and numpy only).

A leaf module: the ViT (:mod:`umt_mm.models.layers` re-exports these) and the
checkpoint converters (:mod:`umt_mm.checkpoint`, which detect saved fixed
tables) both use it without importing each other.
"""
import math
from typing import Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F


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


def _sincos_1d(dim: int, pos: np.ndarray) -> np.ndarray:
    """``(M, dim)``: sines of ``pos * 10000 ** (-j / (dim / 2))``, then
    cosines (MAE's layout: halves, not interleaved)."""
    omega = 1. / 10000**(np.arange(dim // 2, dtype=np.float64) / (dim / 2))
    angles = pos.reshape(-1, 1).astype(np.float64) * omega[None]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1)


def sincos_3d_table(grid: Sequence[int], dim: int) -> torch.Tensor:
    """Space-time sine-cosine table of MAE-ST / MVD, ``(1, T*H*W, dim)``.

    A quarter of the channels encode the frame index, three quarters the
    2-D position (half the column, then half the row), in that order; the
    tokens run over ``(T, H, W)`` as the student flattens them.
    """
    t, h, w = grid
    if dim % 16:
        raise ValueError(f'sincos3d needs dims divisible by 16, got {dim}')
    d_t, d_s = dim // 4, dim // 4 * 3
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing='ij')
    spatial = np.concatenate([_sincos_1d(d_s // 2, cols),
                              _sincos_1d(d_s // 2, rows)], axis=1)
    temporal = _sincos_1d(d_t, np.arange(t))
    table = np.concatenate([
        np.repeat(temporal[:, None], h * w, axis=1),
        np.repeat(spatial[None], t, axis=0)
    ], axis=2)
    return torch.from_numpy(table.reshape(1, t * h * w, dim)).float()
