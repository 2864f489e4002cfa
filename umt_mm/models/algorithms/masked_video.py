"""Masked video modelling with regression targets: VideoMAE and MVD."""
from typing import Dict, List, Optional

import torch
from mmengine.model import BaseModel, ModuleDict

from ...registry import MODELS
from .umt_pretrain import UMTPretrain


@MODELS.register_module()
class MaskedVideoPretrain(BaseModel):
    """Masker -> student -> one decoder head per target.

    The student encodes the visible tokens once; every named branch decodes
    them with its own :class:`MaskedTokenPredHead` and regresses its own
    target on the masked tokens. The total loss is the sum of the branches'
    weighted losses, logged as ``loss_<name>``.

    - VideoMAE: one branch ``pix`` whose target is
      :class:`VideoPixelTarget` (MSE);
    - MVD: branches ``img`` (a frozen image MAE :class:`FeatureTeacher` on
      the front frame of each tubelet) and ``vid`` (a frozen VideoMAE
      teacher), smooth-L1, ``l1 * L_img + l2 * L_vid`` via the heads'
      ``loss_weight``; drop a branch for the single-teacher variants.

    Args:
        backbone (dict): The student :class:`UMTViT` (``final_norm=True``).
        masker (dict): Token masker, e.g. ``TubeMasker`` (ratio 0.9).
        targets (dict[str, dict]): Target generator of every branch.
        heads (dict[str, dict]): Decoder head of every branch (same keys).
        data_preprocessor (dict, optional): A
            ``VideoDataPreprocessor`` config. Defaults to None.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: Dict,
                 masker: Dict,
                 targets: Dict[str, Dict],
                 heads: Dict[str, Dict],
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if set(targets) != set(heads) or not heads:
            raise ValueError('MaskedVideoPretrain: targets and heads need '
                             f'the same non-empty keys, got {sorted(targets)}'
                             f' and {sorted(heads)}')
        self.backbone = MODELS.build(backbone)
        if self.backbone.return_layers:
            raise ValueError('the student backbone must set return_layers=0')
        self.masker = MODELS.build(masker)
        self.targets = ModuleDict(
            {k: MODELS.build(v) for k, v in targets.items()})
        self.heads = ModuleDict(
            {k: MODELS.build(v) for k, v in heads.items()})

    _video = staticmethod(UMTPretrain._video)
    forward = UMTPretrain.forward  # modes 'loss' and 'tensor'

    def train(self, mode: bool = True) -> 'MaskedVideoPretrain':
        super().train(mode)
        self.targets.eval()
        return self

    def make_mask(self, video: torch.Tensor) -> torch.Tensor:
        """Bool mask ``(B, N)`` of the student tokens (True = dropped)."""
        t, h, w = self.backbone.grid
        return self.masker(video.shape[0], t, h * w, device=video.device)

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """Student tokens of the full (unmasked) video."""
        return self.backbone(self._video(inputs))

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        """Losses of one batch, one entry per branch."""
        video = self._video(inputs)
        mask = self.make_mask(video)
        x = self.backbone(video, mask)
        B = video.shape[0]
        losses = {}
        for name, head in self.heads.items():
            target = self.targets[name](video)
            target = target[mask].view(B, -1, target.shape[-1])
            losses[f'loss_{name}'] = head.loss(x, mask, self.backbone.grid,
                                               target)
        return losses
