"""Token maskers for UMT (True = masked, dropped from the student input).

All maskers return a bool tensor ``(B, T * L)`` (``L`` tokens per frame)
built on the device of their input without host synchronisation, and keep
the same number of tokens in every sample so that the student can reshape
the kept tokens into a dense batch.
"""
from typing import Optional

import torch

from ...registry import MODELS


def gather_kept(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The kept tokens of ``x``: ``(..., B, N, C)`` -> ``(..., B, n, C)``.

    Args:
        x (Tensor): Tokens (student inputs, teacher targets of K layers,
            position tables), batch and token dims third and second last.
        mask (Tensor): Bool ``(B, N)``, True = dropped; every row keeps
            the same number ``n`` of tokens.
    """
    B, N, C = x.shape[-3:]
    kept = x.reshape(-1, B, N, C)[:, ~mask]
    return kept.view(*x.shape[:-3], B, -1, C)


class BaseMasker:
    """Common ``mask_ratio`` handling.

    Args:
        mask_ratio (float): Fraction of tokens to mask, in ``[0, 1)``.
    """

    #: Whether :meth:`__call__` needs the teacher's class-token attention.
    needs_attention = False

    def __init__(self, mask_ratio: float) -> None:
        if not 0 <= mask_ratio < 1:
            raise ValueError(f'mask_ratio must be in [0, 1), got {mask_ratio}')
        self.mask_ratio = mask_ratio

    def num_kept(self, num_tokens: int) -> int:
        """Tokens kept out of ``num_tokens``: ``N - int(N * ratio)``."""
        return num_tokens - int(num_tokens * self.mask_ratio)

    @staticmethod
    def _mask_from_kept(kept: torch.Tensor, num_tokens: int) -> torch.Tensor:
        mask = torch.ones(kept.shape[0], num_tokens, dtype=torch.bool,
                          device=kept.device)
        return mask.scatter_(1, kept, False)

    def __call__(self, batch_size: int, num_frames: int, tokens_per_frame: int,
                 attention: Optional[torch.Tensor] = None,
                 device: Optional[torch.device] = None) -> torch.Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f'{type(self).__name__}(mask_ratio={self.mask_ratio})'


@MODELS.register_module()
class RandomMasker(BaseMasker):
    """Uniform random masking over all space-time tokens of a clip."""

    def __call__(self, batch_size, num_frames, tokens_per_frame,
                 attention=None, device=None):
        n = num_frames * tokens_per_frame
        noise = torch.rand(batch_size, n, device=device)
        kept = noise.argsort(dim=1)[:, :self.num_kept(n)]
        return self._mask_from_kept(kept, n)


@MODELS.register_module()
class TubeMasker(BaseMasker):
    """The same random spatial mask repeated over every frame (tube)."""

    def __call__(self, batch_size, num_frames, tokens_per_frame,
                 attention=None, device=None):
        noise = torch.rand(batch_size, tokens_per_frame, device=device)
        kept = noise.argsort(dim=1)[:, :self.num_kept(tokens_per_frame)]
        mask = self._mask_from_kept(kept, tokens_per_frame)
        return mask.repeat(1, num_frames)


@MODELS.register_module()
class AttentionMasker(BaseMasker):
    """UMT semantic masking, frame by frame.

    In every frame, ``L - int(L * ratio)`` tokens are kept, drawn by
    multinomial sampling without replacement with probabilities given by the
    teacher's class-token attention ``(B * T, L)``.
    """

    needs_attention = True

    def __call__(self, batch_size, num_frames, tokens_per_frame,
                 attention=None, device=None):
        if attention is None:
            raise ValueError('AttentionMasker needs the teacher attention')
        expected = (batch_size * num_frames, tokens_per_frame)
        if tuple(attention.shape) != expected:
            raise ValueError(f'attention of shape {tuple(attention.shape)}, '
                             f'expected {expected}')
        kept = torch.multinomial(attention.float(),
                                 self.num_kept(tokens_per_frame))
        mask = self._mask_from_kept(kept, tokens_per_frame)
        return mask.view(batch_size, num_frames * tokens_per_frame)
