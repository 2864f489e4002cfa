"""Checkpoints: one safe reader, the layout converters, one loader.

* :mod:`.reader`: :func:`read_checkpoint` / :func:`read_state_dict` (the only
  ``torch.load``, under ``weights_only`` with the allow-list of
  :mod:`umt_mm.compat`; unwraps ``state_dict`` > ``model`` > ``module`` >
  ``ema``), :func:`save_checkpoint_atomic`.
* :mod:`.registry` + :mod:`.layouts`: released layouts -> umt_mm names
  (:func:`convert_layout`, :func:`detect_layout`, :data:`LAYOUTS`).
* :mod:`.student`: the ``umt://`` scheme (a UMT student of any stage).
* :mod:`.loading`: :func:`load_weights`, which refuses shape mismatches and
  keys outside per-layout allow-lists.

Two ways to attach weights:

1. Parts: ``init_cfg=dict(type='Pretrained', checkpoint='umt://PATH')`` (or a
   plain file, optionally with ``prefix='backbone.'``, ``layout``,
   ``allow_missing``) on a backbone; the CLIP teacher's ``pretrained``.
2. Whole models: ``load_from`` / ``--resume`` and the checkpoint argument of
   ``tools/test.py`` / ``tools/infer.py``, all through :func:`load_weights`.

Adding a layout: create ``umt_mm/checkpoint/layouts/<name>.py`` (it is
imported automatically) with a detector and a pure converter, and call::

    from ..registry import register_layout
    register_layout('videomae', is_videomae, convert_videomae,
                    allow_missing=('head.*', ), doc='VideoMAE pre-training')

The detector sees the raw keys (after unwrapping) and must not accept any
other registered layout; the converter returns umt_mm names and raises
``ValueError`` naming unknown keys. Use :func:`.utils.remap_prefixes` and
:func:`.utils.is_fixed_table`; never import :mod:`umt_mm.models` here.
"""
from . import layouts  # noqa: F401  (registers the layouts)
from .loading import (CheckpointMismatchError, LoadReport, load_init_cfg,
                      load_weights)
from .reader import (UNWRAP_KEYS, read_checkpoint, read_state_dict,
                     save_checkpoint_atomic, unwrap_state_dict)
from .registry import (LAYOUTS, Layout, convert_layout, detect_layout,
                       get_layout, register_layout)
from .student import UMT_SCHEME, extract_student, find_student_prefix

__all__ = [
    'CheckpointMismatchError', 'LoadReport', 'load_init_cfg', 'load_weights',
    'UNWRAP_KEYS', 'read_checkpoint', 'read_state_dict',
    'save_checkpoint_atomic', 'unwrap_state_dict', 'LAYOUTS', 'Layout',
    'convert_layout', 'detect_layout', 'get_layout', 'register_layout',
    'UMT_SCHEME', 'extract_student', 'find_student_prefix'
]
