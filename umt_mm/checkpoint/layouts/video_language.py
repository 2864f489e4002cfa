"""Official fine-tuned video-language checkpoints -> umt_mm, and the
stage-2 -> QA initialisation.

Layouts (read from the release's ``models/umt.py`` / ``umt_qa.py`` built
with ``is_pretrain=False``: the text encoder is a head-less ``BertModel``,
so its keys have no ``bert.`` level):

``retrieval_ft`` (``ret_*`` and ``mc_msrvtt`` fine-tuning, model ``UMT``)
-> :class:`UMTStage2` (``text_encoder.with_mlm_head=False``):

=========================================  ==================================
official key                               umt_mm key
=========================================  ==================================
``vision_encoder.encoder.<rest>``          ``vision_encoder.<rest>``
``vision_encoder.pool_norm.*``             ``vision_layernorm.*``
``text_encoder.<rest>``                    ``text_encoder.bert.<rest>``
``vision_proj``, ``text_proj``,            unchanged
``itm_head``, ``temp``
=========================================  ==================================

``qa`` (``qa_*`` fine-tuning, model ``UMT_QA``) -> :class:`UMTQA`:

=========================================  ==================================
``vision_encoder.encoder.<rest>``          ``vision_encoder.<rest>``
``text_encoder.<rest>``                    ``text_encoder.bert.<rest>``
``text_decoder.bert.*``,                   unchanged (``UMTAnswerDecoder``)
``text_decoder.cls.predictions.``
``{bias,transform.*}``
=========================================  ==================================

Dropped: ``*.embeddings.position_ids`` (a constant buffer), the fixed
sine-cosine tables, ``text_decoder.cls.predictions.decoder.{weight,bias}``
(tied to the decoder's word embeddings / ``predictions.bias``).
"""
import re
from typing import Dict, Mapping, Tuple

import torch

from ..registry import register_layout
from ..utils import is_fixed_table, remap_prefixes

StateDict = Dict[str, torch.Tensor]

VISION = ('vision_encoder.encoder.', 'vision_encoder.')
#: official prefix -> umt_mm prefix, both layouts
PREFIXES = (VISION, ('vision_encoder.pool_norm.', 'vision_layernorm.'),
            ('text_encoder.', 'text_encoder.bert.'))
KEEP = ('vision_proj.', 'text_proj.', 'itm_head.', 'text_decoder.bert.',
        'text_decoder.cls.predictions.bias',
        'text_decoder.cls.predictions.transform.')
DROP = ('text_encoder.embeddings.position_ids',
        'text_decoder.bert.embeddings.position_ids',
        'text_decoder.cls.predictions.decoder.weight',
        'text_decoder.cls.predictions.decoder.bias',
        'vision_encoder.encoder.img_pos_embed',
        'vision_encoder.clip_pos_embed', 'vision_encoder.clip_img_pos_embed')


def _headless_text(state: Mapping[str, torch.Tensor]) -> bool:
    return any(k.startswith('text_encoder.encoder.layer.') for k in state)


def is_official_retrieval_ft(state: Mapping[str, torch.Tensor]) -> bool:
    """A fine-tuned ``UMT``: head-less text encoder and a VTM head."""
    return _headless_text(state) and 'itm_head.weight' in state


def is_official_qa(state: Mapping[str, torch.Tensor]) -> bool:
    """A fine-tuned ``UMT_QA``: head-less text encoder and a decoder."""
    return _headless_text(state) and any(
        k.startswith('text_decoder.') for k in state)


def convert_official_finetuned(
        state: Mapping[str, torch.Tensor]) -> StateDict:
    """Official fine-tuned ``UMT`` / ``UMT_QA`` state dict -> umt_mm."""
    drop = set(DROP) | {k for k in state if k.startswith('clip_teacher.')}
    pos = state.get('vision_encoder.encoder.pos_embed')
    if pos is not None and is_fixed_table(pos):
        drop.add('vision_encoder.encoder.pos_embed')
    keep = tuple((p, p) for p in KEEP + ('temp', ))
    return remap_prefixes(state, keep + PREFIXES, tuple(drop),
                          'a fine-tuned video-language layout')


def to_official_finetuned(state: Mapping[str, torch.Tensor]) -> StateDict:
    """umt_mm ``UMTStage2`` (fine-tuned) / ``UMTQA`` -> official layout."""
    out = {}
    for key, value in state.items():
        if key.startswith('data_preprocessor.'):
            continue
        if not key.startswith(KEEP) and key != 'temp':
            for dst, src in reversed(PREFIXES):
                if key.startswith(src):
                    key = dst + key[len(src):]
                    break
        out[key] = value
    if 'text_decoder.cls.predictions.bias' in out:
        out['text_decoder.cls.predictions.decoder.weight'] = out[
            'text_decoder.bert.embeddings.word_embeddings.weight']
        out['text_decoder.cls.predictions.decoder.bias'] = out[
            'text_decoder.cls.predictions.bias']
    return out


_LAYER = re.compile(r'encoder\.layer\.(\d+)\.(.*)')


def stage2_to_qa(state: Mapping[str, torch.Tensor],
                 fusion_layer: int) -> Tuple[StateDict, int]:
    """A umt_mm stage-2 state dict -> :class:`UMTQA` initialisation.

    As the official ``setup_model`` for generation tasks: the question
    encoder takes the vision encoder and every text layer; the answer
    decoder takes the text embeddings, layers ``fusion_layer..`` (renumbered
    from 0, with their cross-attention) and the MLM head. Projections, VTM
    head, temperature, pooling norm, UTA head and teacher are not used.

    Returns:
        tuple: the state dict and the number of decoder layers found.
    """
    if any(k.startswith('vision_encoder.encoder.') for k in state):
        raise ValueError('an official stage-2 checkpoint: convert it first '
                         '(python tools/convert/official_umt.py SRC DST)')
    out, layers = {}, set()
    for key, value in state.items():
        if key.startswith('vision_encoder.'):
            out[key] = value
        elif key.startswith('text_encoder.bert.'):
            out[key] = value
            rest = key[len('text_encoder.bert.'):]
            match = _LAYER.match(rest)
            if rest.startswith('embeddings.'):
                out['text_decoder.bert.' + rest] = value
            elif match and int(match.group(1)) >= fusion_layer:
                index = int(match.group(1)) - fusion_layer
                layers.add(index)
                out[f'text_decoder.bert.encoder.layer.{index}.'
                    f'{match.group(2)}'] = value
        elif key.startswith('text_encoder.cls.predictions.'):
            out['text_decoder.' + key[len('text_encoder.'):]] = value
    if not any(k.startswith('text_encoder.bert.') for k in out):
        raise ValueError('not a stage-2 checkpoint: no text_encoder.bert.* '
                         'keys')
    return out, len(layers)


register_layout('retrieval_ft', is_official_retrieval_ft,
                convert_official_finetuned,
                doc='official retrieval / multiple-choice fine-tuned UMT '
                '(text_encoder.encoder.*, itm_head)')
register_layout('qa', is_official_qa, convert_official_finetuned,
                doc='official video QA fine-tuned UMT_QA (text_encoder.'
                'encoder.*, text_decoder.*)')
