"""Layout ``stage1``: official UMT stage-1 pre-training -> ``UMTPretrain``.

Official ``single_modality`` pre-training saves ``{'model': state_dict}``:

==============================  ==================================
official key                    umt_mm key (``UMTPretrain``)
==============================  ==================================
``encoder.<rest>``              ``backbone.<rest>``
``clip_decoder.<i>.<rest>``     ``head.clip_decoder.<i>.<rest>``
==============================  ==================================

The fixed sine-cosine tables (``encoder.pos_embed``, ``clip_pos_embed``) are
not parameters in either model and are dropped when present; a learnable
``encoder.pos_embed`` is kept. The official file holds no teacher, so a
``UMTPretrain`` loading it keeps its ``teacher.*`` (allowed missing).
"""
from typing import Dict, Mapping

import torch

from ..registry import register_layout
from ..utils import is_fixed_table, remap_prefixes

STAGE1_PREFIXES = (('encoder.', 'backbone.'),
                   ('clip_decoder.', 'head.clip_decoder.'))


def is_official_stage1(state: Mapping[str, torch.Tensor]) -> bool:
    return any(k.startswith('clip_decoder.') for k in state) and any(
        k.startswith('encoder.') for k in state)


def convert_official_stage1(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official stage-1 model state dict -> ``UMTPretrain`` state dict."""
    pos = state.get('encoder.pos_embed')
    drop = ('clip_pos_embed', )
    if pos is not None and is_fixed_table(pos):
        drop += ('encoder.pos_embed', )
    return remap_prefixes(state, STAGE1_PREFIXES, drop, 'the stage-1 layout')


register_layout('stage1', is_official_stage1, convert_official_stage1,
                allow_missing=('teacher.*', ),
                doc='official stage-1 pre-training (encoder.*, '
                'clip_decoder.*)')
