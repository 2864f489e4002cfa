from .umt_vit import UMTViT

__all__ = ['UMTViT']
from .dual_encoder import DualVideoEncoder  # noqa: E402,F401
from .umt_vit_det import UMTViTDet  # noqa: F401,E402 (AVA detection)
