"""Layouts ``finetune``, ``mmaction_umt``: fine-tuned UMT classifiers.

Both map to umt_mm ``Recognizer3D`` state dicts.

Official fine-tuned ``VisionTransformer`` (``single_modality``, checkpoint
``{'model' | 'module': state_dict}``), layout ``finetune``:

==============================  ==================================
official key                    umt_mm key
==============================  ==================================
``patch_embed.*``               ``backbone.patch_embed.*``
``pos_embed`` (16 f / 384 px)   ``backbone.pos_embed`` (learnable)
``blocks.<i>.*``                ``backbone.blocks.<i>.*``
``fc_norm.*``                   ``cls_head.fc_norm.*``
``head.*``                      ``cls_head.fc_cls.*``
==============================  ==================================

mmaction2 ``projects/umt`` (``UMTViT`` backbone with its own ``fc_norm`` +
``TimeSformerHead``), layout ``mmaction_umt``:

==============================  ==================================
mmaction2 key                   umt_mm key
==============================  ==================================
``backbone.patch_embed.*``      ``backbone.patch_embed.*``
``backbone.pos_embed``          ``backbone.pos_embed`` (learnable)
``backbone.blocks.<i>.*``       ``backbone.blocks.<i>.*``
``backbone.fc_norm.*``          ``cls_head.fc_norm.*``
``cls_head.fc_cls.*``           ``cls_head.fc_cls.*``
==============================  ==================================

A saved ``pos_embed`` equal to the fixed sine-cosine table (8 frames at
224 px) is dropped: umt_mm rebuilds it. A learned one (16 frames or 384 px)
needs ``pos_embed='learnable'`` in the umt_mm config. Layer-scale
(``gamma_1``/``gamma_2``) and any other key is rejected with its name.
"""
from typing import Dict, Mapping

import torch

from ..registry import register_layout
from ..utils import is_fixed_table, remap_prefixes

FINETUNE_PREFIXES = (('fc_norm.', 'cls_head.fc_norm.'),
                     ('head.', 'cls_head.fc_cls.'),
                     ('patch_embed.', 'backbone.patch_embed.'),
                     ('blocks.', 'backbone.blocks.'),
                     ('pos_embed', 'backbone.pos_embed'))
MMACTION_PREFIXES = (('backbone.fc_norm.', 'cls_head.fc_norm.'),
                     ('cls_head.fc_cls.', 'cls_head.fc_cls.'),
                     ('backbone.patch_embed.', 'backbone.patch_embed.'),
                     ('backbone.blocks.', 'backbone.blocks.'),
                     ('backbone.pos_embed', 'backbone.pos_embed'))


def _reject_layer_scale(state: Mapping[str, torch.Tensor]) -> None:
    scaled = [k for k in state if '.gamma_' in k]
    if scaled:
        raise ValueError('layer-scale parameters (init_values > 0) are not '
                         f'part of the UMT ViT: {scaled[:4]}')


def _convert(state: Mapping[str, torch.Tensor], prefixes: tuple,
             pos_key: str, layout: str) -> Dict[str, torch.Tensor]:
    """Reject layer scale, drop a fixed ``pos_key`` table, remap."""
    _reject_layer_scale(state)
    pos = state.get(pos_key)
    drop = (pos_key, ) if pos is not None and is_fixed_table(pos) else ()
    return remap_prefixes(state, prefixes, drop, f'the {layout} layout')


def convert_official_finetune(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official fine-tuned classifier -> umt_mm ``Recognizer3D``."""
    return _convert(state, FINETUNE_PREFIXES, 'pos_embed', 'finetune')


def convert_mmaction_umt(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """mmaction2 ``projects/umt`` recognizer -> umt_mm ``Recognizer3D``."""
    return _convert(state, MMACTION_PREFIXES, 'backbone.pos_embed',
                    'mmaction_umt')


def _is_official_finetune(state: Mapping) -> bool:
    return 'head.weight' in state and 'fc_norm.weight' in state and any(
        k.startswith('blocks.') for k in state)


def _is_mmaction_umt(state: Mapping) -> bool:
    return 'backbone.fc_norm.weight' in state and \
        'cls_head.fc_cls.weight' in state


register_layout('finetune', _is_official_finetune, convert_official_finetune,
                doc='official fine-tuned classifier (blocks.*, fc_norm, head)')
register_layout('mmaction_umt', _is_mmaction_umt, convert_mmaction_umt,
                doc='mmaction2 projects/umt recognizer')
