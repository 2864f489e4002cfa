"""UMTViT for spatio-temporal detection: any input size, feature-map output."""
from typing import Sequence

import torch

from ...registry import MODELS
from .umt_vit import UMTViT


@MODELS.register_module()
class UMTViTDet(UMTViT):
    """:class:`UMTViT` returning ``(B, C, T, H/16, W/16)`` for any frame size.

    The official UMT AVA model trains on 224x224 crops but tests on whole
    frames resized to a short side of 256 (e.g. 256x341 or 256x455), so the
    token grid changes with the aspect ratio. Like the official
    ``interpolate_pos_embed_online``, :meth:`UMTViT.fit_pos_embed` resizes
    the table built for ``img_size`` bicubically over space (per frame) to
    the grid of each input; the number of frames must match ``num_frames``.

    Defaults differ from :class:`UMTViT` only in ``out_type='featmap'``;
    ``final_norm=True`` matches the official detection model (``norm`` after
    the blocks, then the RoI head).
    """

    def __init__(self, *args, out_type: str = 'featmap', **kwargs) -> None:
        super().__init__(*args, out_type=out_type, **kwargs)

    def fit_pos_embed(self, grid: Sequence[int]) -> torch.Tensor:
        """:meth:`UMTViT.fit_pos_embed` for ``num_frames`` frames only."""
        if grid[0] != self.grid[0]:
            raise ValueError(f'input has {grid[0]} temporal tokens but the '
                             f'model is built for {self.grid[0]} '
                             '(num_frames / tubelet_size in the config)')
        return super().fit_pos_embed(grid)
