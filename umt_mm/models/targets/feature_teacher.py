"""Frozen feature teachers of MVD: an image MAE ViT and a video ViT."""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from timm.models.vision_transformer import VisionTransformer

from ...checkpoint import load_weights
from ...registry import MODELS


@MODELS.register_module()
class MAEViT(VisionTransformer):
    """The image ViT of MAE (timm's layout, which MAE checkpoints use).

    :meth:`forward` returns the patch tokens after the last block, without
    the final ``norm`` and without the class token: the features MVD's image
    teacher regresses. ``norm`` is kept so MAE checkpoints load strictly.

    Args:
        arch (str | dict): ``'b'``, ``'l'``, ``'h'`` or a dict with
            ``embed_dim``, ``depth``, ``num_heads``. Defaults to 'b'.
        img_size (int): Input resolution. Defaults to 224.
        patch_size (int): Patch size. Defaults to 16 (MAE-H uses 14).
    """

    arch_zoo = {
        'b': dict(embed_dim=768, depth=12, num_heads=12),
        'l': dict(embed_dim=1024, depth=24, num_heads=16),
        'h': dict(embed_dim=1280, depth=32, num_heads=16),
    }

    def __init__(self, arch='b', img_size: int = 224,
                 patch_size: int = 16) -> None:
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise ValueError(f'unknown MAEViT arch {arch!r}; choose from '
                                 f'{sorted(self.arch_zoo)} or pass a dict')
            arch = self.arch_zoo[arch]
        super().__init__(img_size=img_size, patch_size=patch_size,
                         num_classes=0, global_pool='', qkv_bias=True,
                         **arch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(B, 3, H, W)`` -> patch tokens ``(B, L, C)``."""
        x = self._pos_embed(self.patch_embed(x))
        x = self.blocks(self.norm_pre(x))
        return x[:, self.num_prefix_tokens:]


@MODELS.register_module()
class FeatureTeacher(BaseModule):
    """A frozen encoder whose token features are regression targets.

    With ``frame_stride`` the encoder is an image model: it sees the first
    frame of every ``frame_stride`` frames (the front slice of each tubelet,
    MVD's image teacher), and its ``(T / stride) x L`` tokens line up with
    the student's. Without it the encoder takes the whole video (MVD's video
    teacher, a :class:`UMTViT` with ``final_norm=False``).

    Args:
        encoder (dict): The encoder config (``MAEViT`` or ``UMTViT``).
        frame_stride (int, optional): Image teacher frame stride (the
            student's tubelet size). Defaults to None (video teacher).
        norm_output (bool): LayerNorm without affine parameters on the
            features (MVD's ``--norm_feature``, off in its scripts).
            Defaults to False.
        pretrained (str, optional): Checkpoint of the encoder, read by
            :func:`umt_mm.checkpoint.load_weights`: an official image MAE
            file (layout ``mae``), an official VideoMAE pre-training file
            (layout ``videomae`` with ``prefix='backbone.'``) or umt_mm
            names. Defaults to None (random weights: tests and demos only).
        layout (str): Layout of ``pretrained``. Defaults to 'auto'.
        prefix (str, optional): Keys taken from the converted checkpoint
            (stripped). Defaults to None.
        allow_unexpected (Sequence[str]): ``fnmatch`` patterns of checkpoint
            keys the encoder lacks (e.g. ``'norm.*'``: VideoMAE's final norm,
            unused by MVD's video teacher). Defaults to ().
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 encoder: Dict,
                 frame_stride: Optional[int] = None,
                 norm_output: bool = False,
                 pretrained: Optional[str] = None,
                 layout: str = 'auto',
                 prefix: Optional[str] = None,
                 allow_unexpected: Sequence[str] = (),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.encoder = MODELS.build(encoder)
        self.frame_stride = frame_stride
        self.norm_output = norm_output
        self.pretrained = pretrained
        self.layout = layout
        self.prefix = prefix
        self.allow_unexpected = tuple(allow_unexpected)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> 'FeatureTeacher':
        return super().train(False)

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained:
            load_weights(self.encoder, self.pretrained, layout=self.layout,
                         prefix=self.prefix,
                         allow_unexpected=self.allow_unexpected)
        else:
            MMLogger.get_current_instance().warning(
                f'FeatureTeacher ({type(self.encoder).__name__}) has no '
                '`pretrained` checkpoint: its targets come from random '
                'weights (fine for tests and demos only)')

    @torch.no_grad()
    def forward(self, video: torch.Tensor) -> torch.Tensor:
        """``(B, C, T, H, W)`` -> frozen features ``(B, N, D)``."""
        if self.frame_stride:
            B = video.shape[0]
            frames = video[:, :, ::self.frame_stride].transpose(1, 2)
            x = self.encoder(frames.flatten(0, 1))
            x = x.reshape(B, -1, x.shape[-1])
        else:
            x = self.encoder(video)
        if self.norm_output:
            x = F.layer_norm(x, x.shape[-1:], eps=1e-6)
        return x


__all__ = ['MAEViT', 'FeatureTeacher']
