"""Layouts ``videomae``, ``mvd`` and ``mae``: masked-modelling relatives.

``videomae``: official VideoMAE pre-training (also UMT's
``single_modality/run_mae_pretraining.py``) -> ``MaskedVideoPretrain`` with
one branch ``pix``:

==============================  ==================================
official key                    umt_mm key
==============================  ==================================
``encoder.<rest>``              ``backbone.<rest>``
``encoder_to_decoder.weight``   ``heads.pix.proj.weight``
``mask_token``                  ``heads.pix.mask_token``
``decoder.<rest>``              ``heads.pix.<rest>``
==============================  ==================================

``mvd``: official MVD pre-training (``ruiwang2021/mvd``,
``modeling_student.py``) -> ``MaskedVideoPretrain`` with branches ``img``
and ``vid``: the student's ``patch_embed`` / ``blocks`` / ``norm`` go to
``backbone.``, ``down_<b>`` to ``heads.<b>.proj``, ``mask_token_<b>`` to
``heads.<b>.mask_token``, ``decoder_<b>.`` to ``heads.<b>.``. The fixed
3-D sine-cosine tables ``pos_embed`` / ``pos_embed_img`` / ``pos_embed_vid``
(frozen parameters there, buffers here) are dropped. The file holds no
teacher (``targets.*`` allowed missing); a class-token student is refused.

``mae``: an official image MAE checkpoint (encoder, optionally with the MAE
decoder) -> :class:`~umt_mm.models.targets.MAEViT` names, for MVD's image
teacher; ``decoder_*`` and ``mask_token`` are dropped.
"""
from typing import Dict, Mapping

import torch

from ..registry import register_layout
from ..utils import is_fixed_table, remap_prefixes

VIDEOMAE_PREFIXES = (('encoder.', 'backbone.'),
                     ('encoder_to_decoder.', 'heads.pix.proj.'),
                     ('mask_token', 'heads.pix.mask_token'),
                     ('decoder.', 'heads.pix.'))
MVD_PREFIXES = (('patch_embed.', 'backbone.patch_embed.'),
                ('blocks.', 'backbone.blocks.'), ('norm.', 'backbone.norm.'),
                ('down_img.', 'heads.img.proj.'),
                ('mask_token_img', 'heads.img.mask_token'),
                ('decoder_img.', 'heads.img.'),
                ('down_vid.', 'heads.vid.proj.'),
                ('mask_token_vid', 'heads.vid.mask_token'),
                ('decoder_vid.', 'heads.vid.'))
MAE_KEYS = ('cls_token', 'pos_embed', 'patch_embed.', 'blocks.', 'norm.')


def is_videomae(state: Mapping[str, torch.Tensor]) -> bool:
    return 'encoder_to_decoder.weight' in state


def convert_videomae(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official VideoMAE pre-training -> ``MaskedVideoPretrain`` (``pix``)."""
    drop = tuple(k for k in ('encoder.pos_embed', 'pos_embed')
                 if k in state and is_fixed_table(state[k]))
    return remap_prefixes(state, VIDEOMAE_PREFIXES, drop,
                          'the videomae layout')


def is_mvd(state: Mapping[str, torch.Tensor]) -> bool:
    return 'down_img.weight' in state or 'down_vid.weight' in state


def convert_mvd(state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official MVD student -> ``MaskedVideoPretrain`` (``img``, ``vid``)."""
    if 'cls_token' in state:
        raise ValueError('the mvd layout: students trained with '
                         '--use_cls_token are not supported (UMTViT has no '
                         'class token)')
    return remap_prefixes(state, MVD_PREFIXES,
                          ('pos_embed', 'pos_embed_img', 'pos_embed_vid'),
                          'the mvd layout')


def is_mae(state: Mapping[str, torch.Tensor]) -> bool:
    w = state.get('patch_embed.proj.weight')
    return 'cls_token' in state and w is not None and w.dim() == 4 \
        and 'blocks.0.attn.qkv.bias' in state


def convert_mae(state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official image MAE -> ``MAEViT`` (the MAE decoder is dropped)."""
    drop = tuple(k for k in state
                 if k.startswith('decoder_') or k == 'mask_token')
    return remap_prefixes(state, [(k, k) for k in MAE_KEYS], drop,
                          'the mae layout')


register_layout('videomae', is_videomae, convert_videomae,
                doc='official VideoMAE pre-training (encoder.*, '
                'encoder_to_decoder, decoder.*) -> MaskedVideoPretrain')
register_layout('mvd', is_mvd, convert_mvd, allow_missing=('targets.*', ),
                doc='official MVD pre-training (blocks.*, down_img/vid, '
                'decoder_img/vid.*) -> MaskedVideoPretrain')
register_layout('mae', is_mae, convert_mae,
                doc='official image MAE (cls_token, blocks.*) -> MAEViT, '
                'the MVD image teacher')
