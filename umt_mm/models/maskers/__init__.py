from .maskers import (AttentionMasker, BaseMasker, RandomMasker, TubeMasker,
                      gather_kept)

__all__ = ['BaseMasker', 'RandomMasker', 'TubeMasker', 'AttentionMasker',
           'gather_kept']
