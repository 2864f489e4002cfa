"""UMTViT for spatio-temporal detection: any input size, feature-map output."""
from typing import Tuple

import torch

from ...registry import MODELS
from ..layers import resize_pos_embed
from .umt_vit import UMTViT


@MODELS.register_module()
class UMTViTDet(UMTViT):
    """:class:`UMTViT` returning ``(B, C, T, H/16, W/16)`` for any frame size.

    The official UMT AVA model trains on 224x224 crops but tests on whole
    frames resized to a short side of 256 (e.g. 256x341 or 256x455), so the
    token grid changes with the aspect ratio. Like the official
    ``interpolate_pos_embed_online`` the positional table built for
    ``img_size`` is resized bicubically over space (per frame) to the grid of
    each input; the number of frames must match ``num_frames``.

    Defaults differ from :class:`UMTViT` only in ``out_type='featmap'``;
    ``final_norm=True`` matches the official detection model (``norm`` after
    the blocks, then the RoI head).
    """

    def __init__(self, *args, out_type: str = 'featmap', **kwargs) -> None:
        super().__init__(*args, out_type=out_type, **kwargs)

    def tokens(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, ...]]:
        x, grid = self.patch_embed(x)
        if grid[0] != self.grid[0]:
            raise ValueError(f'input has {grid[0]} temporal tokens but the '
                             f'model is built for {self.grid[0]} '
                             '(num_frames / tubelet_size in the config)')
        pos = self.pos_embed
        if grid != self.grid:
            pos = resize_pos_embed(pos, self.grid, grid)
        return x + pos.to(x.dtype), grid
