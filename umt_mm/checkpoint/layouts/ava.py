"""Layout ``ava``: official UMT AVA detector -> umt_mm ``FastRCNN``.

The official detector
(``single_modality/action_detection/modeling_finetune.py``
of OpenGVLab/unmasked_teacher) is one ``VisionTransformer`` holding the RoI
pooling and the classifier itself; ``run_class_finetuning.py`` saves
``{'model': state_dict}`` (``module.`` when saved from the DDP wrapper):

=====================================  =====================================
official key                           umt_mm key (``FastRCNN``)
=====================================  =====================================
``patch_embed.proj.*``                 ``backbone.patch_embed.proj.*``
``blocks.<i>.<rest>``                  ``backbone.blocks.<i>.<rest>``
``norm.*``                             ``backbone.norm.*``
``head.weight`` ``(80, C)``            ``roi_head.bbox_head.fc_cls.weight``
                                       ``(81, C)``, row 0 (background) zero
``head.bias`` ``(80,)``                ``roi_head.bbox_head.fc_cls.bias``
=====================================  =====================================

Official class ``i`` (0-based) is AVA action id ``i + 1``, which is column
``i + 1`` of mmaction2's ``BBoxHeadAVA`` (``background_class=True``,
``num_classes=81``). The RoI pooler and the 7x7 max pool hold no parameters;
a fixed sine-cosine ``pos_embed`` (absent from the official files) is dropped
when present, a learnable one is kept.
"""
from typing import Dict, Mapping

import torch

from ..registry import register_layout
from ..utils import is_fixed_table, strip_prefixes

_WRAPPERS = ('module.', 'model.')
_BACKBONE_KEYS = ('patch_embed.', 'blocks.', 'norm.', 'pos_embed')
HEAD_KEYS = ('roi_head.bbox_head.fc_cls.weight',
             'roi_head.bbox_head.fc_cls.bias')


def is_official_ava(state: Mapping[str, torch.Tensor]) -> bool:
    """ViT keys plus ``head.*`` and a final ``norm`` but no ``fc_norm``.

    Official classifiers (mean pooling) carry ``fc_norm`` instead of
    ``norm``; stage-1 checkpoints carry ``encoder.`` / ``clip_decoder.``.
    """
    keys = set(strip_prefixes(state, _WRAPPERS))
    return ('blocks.0.attn.qkv.weight' in keys and 'head.weight' in keys
            and 'norm.weight' in keys and 'fc_norm.weight' not in keys)


def convert_official_ava(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official AVA detector state dict -> umt_mm ``FastRCNN`` state dict."""
    state = strip_prefixes(state, _WRAPPERS)
    out, unknown = {}, []
    for key, value in state.items():
        if key == 'pos_embed' and is_fixed_table(value):
            continue
        if key.startswith(_BACKBONE_KEYS):
            out['backbone.' + key] = value
        elif key == 'head.weight':
            bg = value.new_zeros((1, value.shape[1]))
            out[HEAD_KEYS[0]] = torch.cat([bg, value])
        elif key == 'head.bias':
            out[HEAD_KEYS[1]] = torch.cat([value.new_zeros(1), value])
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(f'unexpected keys for the AVA layout: {unknown[:10]}')
    if not all(k in out for k in HEAD_KEYS):
        raise ValueError('the AVA layout needs head.weight and head.bias')
    return out


register_layout('ava', is_official_ava, convert_official_ava,
                doc='official AVA detector (ViT + head.*) -> FastRCNN')
