from .distill_head import UMTDistillHead

__all__ = ['UMTDistillHead']
