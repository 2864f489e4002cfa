"""Layout ``stage2``: official UMT multi-modality checkpoints -> UMTStage2.

Official files: ``b16_5m.pth`` ... of the release's ``multi_modality``.
The official layout is that of the release's ``multi_modality`` model
(``vision_encoder`` = its ``PretrainVisionTransformer``, which wraps the ViT
as ``encoder`` and holds the UTA decoders and the pooling norm):

=========================================  ==================================
official key                               umt_mm key (``UMTStage2``)
=========================================  ==================================
``vision_encoder.encoder.<rest>``          ``vision_encoder.<rest>``
                                           (``patch_embed.proj``,
                                           ``blocks.N.*``, ``norm``)
``vision_encoder.clip_decoder.<rest>``     ``distill_head.clip_decoder.<rest>``
``vision_encoder.pool_norm.*``             ``vision_layernorm.*``
``text_encoder.bert.*`` / ``.cls.*``       unchanged (``UMTTextEncoder``)
``vision_proj``, ``text_proj``,            unchanged
``itm_head``, ``temp``
``text_encoder.cls.predictions.``          dropped (tied to the word
``decoder.{weight,bias}``                  embeddings / the MLM bias)
``text_encoder.bert.embeddings.``          dropped (a constant buffer)
``position_ids``
``clip_teacher.*``                         dropped (the teacher is loaded from
                                           its own CLIP checkpoint)
=========================================  ==================================

The fixed sine-cosine tables (``encoder.pos_embed`` / ``img_pos_embed``,
``clip_pos_embed`` / ``clip_img_pos_embed``) are plain attributes in the
official model, rebuilt by ours; they are dropped when a file holds them (a
learnable ``encoder.pos_embed`` is kept).
"""
from typing import Dict, Mapping

import torch

from ..registry import register_layout
from ..utils import is_fixed_table, remap_prefixes

VISION = 'vision_encoder.'
#: official prefix -> umt_mm prefix
PREFIXES = (('vision_encoder.encoder.', 'vision_encoder.'),
            ('vision_encoder.clip_decoder.', 'distill_head.clip_decoder.'),
            ('vision_encoder.pool_norm.', 'vision_layernorm.'))
KEEP = ('text_encoder.bert.', 'text_encoder.cls.', 'vision_proj.',
        'text_proj.', 'itm_head.')
#: tied copies of the word embeddings / ``cls.predictions.bias``
TIED = ('text_encoder.cls.predictions.decoder.weight',
        'text_encoder.cls.predictions.decoder.bias')
CONSTANTS = TIED + ('text_encoder.bert.embeddings.position_ids',
                    'vision_encoder.encoder.img_pos_embed',
                    'vision_encoder.clip_pos_embed',
                    'vision_encoder.clip_img_pos_embed')


def is_official_stage2(state: Mapping[str, torch.Tensor]) -> bool:
    """Official keys: the ViT wrapped as ``vision_encoder.encoder`` (umt_mm
    stage-2 files hold ``vision_encoder.blocks`` directly)."""
    return any(k.startswith('text_encoder.bert.') for k in state) and any(
        k.startswith(VISION + 'encoder.') for k in state)


def convert_official_stage2(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official stage-2 state dict -> ``UMTStage2`` state dict."""
    drop = [k for k in state
            if k.startswith('clip_teacher.') or k in CONSTANTS + ('temp', )]
    pos = state.get('vision_encoder.encoder.pos_embed')
    if pos is not None and is_fixed_table(pos):
        drop.append('vision_encoder.encoder.pos_embed')
    out = remap_prefixes(state, PREFIXES + tuple((k, k) for k in KEEP),
                         drop, 'the stage-2 layout')
    if 'temp' in state:
        out['temp'] = state['temp']
    return out


def to_official_stage2(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """``UMTStage2`` state dict -> the official layout (teacher dropped)."""
    out = {}
    for key, value in state.items():
        if key.startswith(('teacher.', 'data_preprocessor.')):
            continue
        for dst, src in PREFIXES:
            if key.startswith(src):
                key = dst + key[len(src):]
                break
        out[key] = value
    if 'text_encoder.bert.embeddings.word_embeddings.weight' in out:
        out[TIED[0]] = out[
            'text_encoder.bert.embeddings.word_embeddings.weight']
        out[TIED[1]] = out['text_encoder.cls.predictions.bias']
    return out


register_layout('stage2', is_official_stage2, convert_official_stage2,
                allow_missing=('teacher.*', ) + TIED,
                doc='official multi-modality model (vision_encoder.encoder.*'
                ', text_encoder.bert.*)')
