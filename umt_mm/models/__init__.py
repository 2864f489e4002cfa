from . import (algorithms, backbones, data_preprocessors,  # noqa: F401
               fsdp_policy, heads, maskers, multimodal, targets, teachers)
from .algorithms import UMTPretrain
from .backbones import UMTViT
from .heads import UMTDistillHead
from .maskers import AttentionMasker, RandomMasker, TubeMasker
from .teachers import CLIPTeacher

__all__ = ['UMTPretrain', 'UMTViT', 'UMTDistillHead', 'CLIPTeacher',
           'AttentionMasker', 'RandomMasker', 'TubeMasker']
