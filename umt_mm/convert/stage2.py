"""Official UMT multi-modality checkpoints (``b16_5m.pth`` ...) -> UMTStage2.

Registered as layout ``'stage2'`` in :data:`umt_mm.convert.official.LAYOUTS`.

=====================================  =====================================
official key                           umt_mm key (``UMTStage2``)
=====================================  =====================================
``vision_encoder.clip_decoder.<rest>``  ``distill_head.clip_decoder.<rest>``
``vision_encoder.vision_layernorm.*``   ``vision_layernorm.*``
``vision_encoder.<rest>``               ``vision_encoder.<rest>`` (UMTViT
                                        names: ``patch_embed.proj``,
                                        ``blocks.N.*``, ``norm``)
``vision_layernorm.*``                  ``vision_layernorm.*``
``text_encoder.bert.*`` / ``.cls.*``    unchanged (``UMTTextEncoder``)
``vision_proj``, ``text_proj``,         unchanged
``itm_head``, ``temp``
``text_encoder.cls.predictions.``       dropped (tied to the word
``decoder.{weight,bias}``               embeddings / ``cls.predictions.bias``)
``clip_teacher.*``                      dropped (the teacher is loaded from
                                        its own CLIP checkpoint)
=====================================  =====================================

The fixed sine-cosine tables (``vision_encoder.pos_embed`` when it equals the
table, ``img_pos_embed``, ``clip_pos_embed``) are buffers rebuilt by the
model and dropped.
"""
from typing import Dict, Mapping

import torch

from .official import LAYOUTS, _is_fixed_table

KEEP = ('vision_layernorm.', 'text_encoder.bert.', 'text_encoder.cls.',
        'vision_proj.', 'text_proj.', 'itm_head.')
#: tied copies of the word embeddings / ``cls.predictions.bias``
TIED = ('text_encoder.cls.predictions.decoder.weight',
        'text_encoder.cls.predictions.decoder.bias')
FIXED_TABLES = ('vision_encoder.img_pos_embed',
                'vision_encoder.clip_pos_embed', 'clip_pos_embed')


def is_official_stage2(state: Mapping[str, torch.Tensor]) -> bool:
    return any(k.startswith('text_encoder.bert.') for k in state) and any(
        k.startswith('vision_encoder.') for k in state)


def convert_official_stage2(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official stage-2 state dict -> ``UMTStage2`` state dict."""
    out, unknown = {}, []
    for key, value in state.items():
        if key.startswith('clip_teacher.') or key in FIXED_TABLES + TIED:
            continue
        if key == 'vision_encoder.pos_embed' and _is_fixed_table(value):
            continue
        if key == 'temp' or key.startswith(KEEP):
            out[key] = value
        elif key.startswith('vision_encoder.clip_decoder.'):
            out['distill_head.' + key[len('vision_encoder.'):]] = value
        elif key.startswith('vision_encoder.vision_layernorm.'):
            out[key[len('vision_encoder.'):]] = value
        elif key.startswith('vision_encoder.'):
            out[key] = value
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(f'unexpected keys for the stage-2 layout: '
                         f'{unknown[:10]}')
    return out


def to_official_stage2(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """``UMTStage2`` state dict -> the official layout (teacher dropped)."""
    out = {}
    for key, value in state.items():
        if key.startswith(('teacher.', 'data_preprocessor.')):
            continue
        if key.startswith('distill_head.'):
            key = 'vision_encoder.' + key[len('distill_head.'):]
        out[key] = value
    if 'text_encoder.bert.embeddings.word_embeddings.weight' in out:
        out[TIED[0]] = out[
            'text_encoder.bert.embeddings.word_embeddings.weight']
        out[TIED[1]] = out['text_encoder.cls.predictions.bias']
    return out


LAYOUTS['stage2'] = (is_official_stage2, convert_official_stage2)
