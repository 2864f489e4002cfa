"""UMT stage 1: unmasked token alignment with a frozen CLIP teacher."""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmengine.model import BaseModel

from ...registry import MODELS
from ..data_preprocessors import VIDEO_PREPROCESSOR
from .token_alignment import check_alignment, mask_and_targets


@MODELS.register_module()
class UMTPretrain(BaseModel):
    """Stage-1 algorithm: teacher -> masker -> student -> alignment head.

    The data preprocessor normalises videos with ImageNet mean/std (the
    official pipeline); the teacher sees the same normalised frames, resized
    bicubically when its resolution differs from the student's.

    Args:
        backbone (dict): The student, a :class:`UMTViT` with
            ``return_layers`` = the number of aligned layers.
        teacher (dict): The frozen teacher, a :class:`CLIPTeacher`.
        masker (dict): ``AttentionMasker`` (semantic, default in UMT),
            ``TubeMasker`` or ``RandomMasker``.
        head (dict): The alignment head, a :class:`UMTDistillHead`.
        data_preprocessor (dict, optional): Defaults to mmaction2's
            ``VideoDataPreprocessor`` with ImageNet statistics, NCTHW.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: Dict,
                 teacher: Dict,
                 masker: Dict,
                 head: Dict,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(VIDEO_PREPROCESSOR)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.teacher = MODELS.build(teacher)
        self.masker = MODELS.build(masker)
        self.head = MODELS.build(head)
        if not self.backbone.return_layers:
            raise ValueError('the student backbone must set return_layers '
                             '(the number of aligned layers)')
        check_alignment(self.backbone, self.teacher, self.head, self.masker)

    def train(self, mode: bool = True) -> 'UMTPretrain':
        super().train(mode)
        self.teacher.eval()
        return self

    @staticmethod
    def _video(inputs: torch.Tensor) -> torch.Tensor:
        """``(B, num_clips, C, T, H, W)`` from the preprocessor -> 5-D."""
        return inputs.flatten(0, 1) if inputs.dim() == 6 else inputs

    def teacher_targets(self, video: torch.Tensor
                        ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Teacher tokens ``(K, B, N, D)`` and class attention ``(B*T, L)``."""
        return self.teacher.encode_video(video)

    def make_mask(self, video: torch.Tensor,
                  attention: Optional[torch.Tensor]) -> torch.Tensor:
        """Bool mask ``(B, T*L)`` of the student tokens (True = dropped)."""
        t, h, w = self.backbone.grid
        return self.masker(video.shape[0], t, h * w, attention=attention,
                           device=video.device)

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """Aligned-layer features of the full (unmasked) video."""
        return self.backbone(self._video(inputs))

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        """Unmasked token alignment loss of one batch."""
        video = self._video(inputs)
        mask, targets = mask_and_targets(video, self.backbone.grid,
                                         self.teacher, self.masker)
        student = self.backbone.forward_features(video, mask).layers
        return self.head.loss(student, targets, mask)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict, torch.Tensor]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs)
        raise RuntimeError(f'{type(self).__name__} supports modes "loss" and '
                           f'"tensor", not "{mode}" (pre-training has no '
                           'predictions)')
