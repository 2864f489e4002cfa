from .maskers import AttentionMasker, BaseMasker, RandomMasker, TubeMasker

__all__ = ['BaseMasker', 'RandomMasker', 'TubeMasker', 'AttentionMasker']
