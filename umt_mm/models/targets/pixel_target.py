"""VideoMAE's reconstruction target: normalised pixels of each tubelet."""
from typing import Sequence

import torch
from torch import nn

from ...registry import MODELS


@MODELS.register_module()
class VideoPixelTarget(nn.Module):
    """Pixels of every ``tubelet x patch x patch`` cube, one row per token.

    The input is the preprocessed video; it is first brought back to
    ``[0, 1]`` (``(x * std + mean) / 255``), then cut into cubes in the
    student's token order ``(T, H, W)``. With ``norm_pix`` each cube is
    normalised per colour channel by its own mean and unbiased standard
    deviation (``(x - mean) / (std + eps)``), as the official VideoMAE.
    A row lists the cube's pixels frame by frame, row by row, then the
    three channels of each pixel.

    Args:
        patch_size (int): Spatial patch size. Defaults to 16.
        tubelet_size (int): Temporal patch size. Defaults to 2.
        mean (Sequence[float]): Preprocessor mean (0-255 scale).
            Defaults to ImageNet's.
        std (Sequence[float]): Preprocessor std. Defaults to ImageNet's.
        norm_pix (bool): Per-cube normalisation. Defaults to True.
        eps (float): Added to the standard deviation. Defaults to 1e-6.
    """

    def __init__(self,
                 patch_size: int = 16,
                 tubelet_size: int = 2,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 norm_pix: bool = True,
                 eps: float = 1e-6) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.tubelet_size = tubelet_size
        self.norm_pix = norm_pix
        self.eps = eps
        self.register_buffer('mean', torch.tensor(mean).view(1, -1, 1, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, -1, 1, 1, 1),
                             persistent=False)

    @torch.no_grad()
    def forward(self, video: torch.Tensor) -> torch.Tensor:
        """``(B, C, T, H, W)`` -> targets ``(B, N, tubelet * p * p * C)``."""
        video = (video.float() * self.std + self.mean) / 255.
        B, C, T, H, W = video.shape
        p, q = self.patch_size, self.tubelet_size
        if T % q or H % p or W % p:
            raise ValueError(f'video {tuple(video.shape)} is not divisible '
                             f'into {q}x{p}x{p} tubelets')
        x = video.view(B, C, T // q, q, H // p, p, W // p, p)
        x = x.permute(0, 2, 4, 6, 3, 5, 7, 1).reshape(B, -1, q * p * p, C)
        if self.norm_pix:
            x = (x - x.mean(dim=2, keepdim=True)) / (
                x.var(dim=2, unbiased=True, keepdim=True).sqrt() + self.eps)
        return x.flatten(2)
