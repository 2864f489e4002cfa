"""``umt://``: the UMT student of a checkpoint of any stage.

Used as the checkpoint of the backbone's ``Pretrained`` init_cfg::

    backbone=dict(type='UMTViT', ...,
                  init_cfg=dict(type='Pretrained',
                                checkpoint='umt://path/to/stage1.pth'))

(``Pretrained`` semantics: applied after every other init, skipping the
backbone's random init; :class:`UMTViT` loads it with
:func:`umt_mm.checkpoint.load_weights`, so shapes must fit). The scheme is
also registered with mmengine's ``CheckpointLoader``. It accepts

* umt_mm stage 1 (``UMTPretrain``: ``backbone.*``, ``teacher.*``, ``head.*``)
  and umt_mm recognizers (``backbone.*``, ``cls_head.*``),
* official stage 1 (``encoder.*``, ``clip_decoder.*``, ``clip_pos_embed``),
* official stage 2 (``vision_encoder.encoder.*`` next to
  ``vision_encoder.clip_decoder``, ``text_encoder.*``, ``vision_proj``...)
  and umt_mm stage 2 (``vision_encoder.*``),
* a bare or official fine-tuned ViT (``patch_embed.*``, ``blocks.*``),

keeps only the student's ``patch_embed`` / ``blocks`` (and a learned
``pos_embed``) and logs what it took and dropped; mmengine then logs the
missing keys. The fixed sine-cosine table is rebuilt by the backbone for its
own grid (``pretrain_grid`` reproduces the official 8->16 frame / 224->384 px
interpolation); a learned ``pos_embed`` of another grid is resized by the
backbone's load hook. Expected missing in the backbone
(:data:`STUDENT_ALLOW_MISSING`): its final ``norm`` and a learnable
``pos_embed`` when the source holds the fixed table.
"""
from collections import Counter
from typing import Dict, Mapping, Optional

import torch
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import CheckpointLoader

from .reader import read_state_dict
from .utils import is_fixed_table

UMT_SCHEME = 'umt://'
#: where the student lives in each known layout, most specific first
STUDENT_PREFIXES = ('module.backbone.', 'backbone.',
                    'vision_encoder.encoder.',
                    'vision_encoder.', 'encoder.', '')
#: the student's own parameters (everything else is teacher / decoder /
#: final norm / classifier and is dropped)
STUDENT_ROOTS = ('patch_embed.', 'blocks.', 'pos_embed')
#: backbone keys a student extraction may leave missing
STUDENT_ALLOW_MISSING = ('norm.*', 'pos_embed')


def find_student_prefix(state: Mapping[str, torch.Tensor]) -> str:
    """The key prefix under which the student's ``blocks.*`` are stored."""
    for prefix in STUDENT_PREFIXES:
        if any(k.startswith(prefix + 'blocks.') for k in state):
            return prefix
    raise ValueError('no UMT student found: no key of the form '
                     f"'<prefix>blocks.N...' for prefixes {STUDENT_PREFIXES}"
                     f'; first keys: {list(state)[:8]}')


def _summary(keys) -> str:
    """``'teacher.* (120), head.* (12)'``: dropped keys grouped by root."""
    roots = Counter(k.split('.')[0] + ('.*' if '.' in k else '') for k in keys)
    return ', '.join(f'{r} ({n})' for r, n in sorted(roots.items()))


def extract_student(state: Mapping[str, torch.Tensor],
                    source: str = 'checkpoint',
                    logger: Optional[MMLogger] = None
                    ) -> Dict[str, torch.Tensor]:
    """Backbone-relative student weights of a UMT checkpoint of any stage."""
    logger = logger or MMLogger.get_current_instance()
    prefix = find_student_prefix(state)
    kept, dropped = {}, []
    for key, value in state.items():
        name = key[len(prefix):] if key.startswith(prefix) else None
        if name is None or not name.startswith(STUDENT_ROOTS):
            dropped.append(key)
        elif name == 'pos_embed' and is_fixed_table(value):
            dropped.append(key)  # the backbone rebuilds the fixed table
        else:
            kept[name] = value
    logger.info(f'UMT init from {source}: student under {prefix!r}, loaded '
                f'{len(kept)} tensors; dropped {len(dropped)} '
                f'[{_summary(dropped)}]')
    return kept


@CheckpointLoader.register_scheme(prefixes=UMT_SCHEME)
def load_umt_student(filename: str,
                     map_location: Optional[str] = None) -> Dict:
    """``umt://PATH`` -> ``{'state_dict': student weights of PATH}``."""
    path = filename[len(UMT_SCHEME):]
    return dict(state_dict=extract_student(read_state_dict(path), path))
