from .umt_pretrain import UMTPretrain

__all__ = ['UMTPretrain']
from .masked_video import MaskedVideoPretrain  # noqa: E402,F401
