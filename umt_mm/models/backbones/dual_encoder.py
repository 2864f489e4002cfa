"""Two frozen video encoders side by side (InternVideo model interaction)."""
from typing import Dict, Optional, Tuple

import torch
from mmengine.model import BaseModule

from ...registry import MODELS


@MODELS.register_module()
class DualVideoEncoder(BaseModule):
    """A frozen masked-video encoder and a frozen multimodal video encoder.

    Both see the same clip; :meth:`forward` returns both token sets for
    :class:`CrossModelInteractionHead`. Neither learns: parameters are frozen
    and the encoders stay in eval mode (no dropout / drop path), so only the
    new interaction modules and the classifiers train, as in InternVideo.
    Attach weights with each encoder's ``init_cfg`` (e.g. ``umt://`` a UMT /
    VideoMAE recognizer or stage-1 checkpoint for ``masked``, a stage-2
    checkpoint for ``multimodal``).

    Args:
        masked (dict): The masked-video encoder (a :class:`UMTViT`).
        multimodal (dict): The multimodal video encoder (a :class:`UMTViT`,
            the vision encoder of stage 2).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, masked: Dict, multimodal: Dict,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.masked = MODELS.build(masked)
        self.multimodal = MODELS.build(multimodal)
        self.requires_grad_(False)

    def init_weights(self) -> None:
        """Load both encoders; a ``Pretrained`` init_cfg needs a file."""
        for name in ('masked', 'multimodal'):
            cfg = getattr(self, name).init_cfg
            if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained' \
                    and not cfg.get('checkpoint'):
                raise ValueError(
                    f'set model.backbone.{name}.init_cfg.checkpoint (e.g. '
                    "'umt://<checkpoint>'), or model.backbone."
                    f'{name}.init_cfg=None for random weights')
        super().init_weights()

    def train(self, mode: bool = True) -> 'DualVideoEncoder':
        return super().train(False)

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(B, C, T, H, W)`` -> tokens of both encoders."""
        return self.masked(x), self.multimodal(x)
