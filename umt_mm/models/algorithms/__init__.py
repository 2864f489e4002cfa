from .umt_pretrain import UMTPretrain

__all__ = ['UMTPretrain']
