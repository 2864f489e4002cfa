from . import algorithms, backbones, heads, maskers, teachers  # noqa: F401
from . import data_preprocessors, fsdp_policy  # noqa: F401
from . import multimodal, targets  # noqa: F401
from .algorithms import UMTPretrain
from .backbones import UMTViT
from .heads import UMTDistillHead
from .maskers import AttentionMasker, RandomMasker, TubeMasker
from .teachers import CLIPTeacher

__all__ = ['UMTPretrain', 'UMTViT', 'UMTDistillHead', 'CLIPTeacher',
           'AttentionMasker', 'RandomMasker', 'TubeMasker']
