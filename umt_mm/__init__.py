"""umt_mm: Unmasked Teacher (UMT) video foundation models, an OpenMMLab plugin.

Importing this package first applies the compatibility fixes in
:mod:`umt_mm.compat` (needed before ``mmaction.models`` can be imported), then
registers every umt_mm module into mmaction2's registries.
"""
from .compat import apply_compat_patches

apply_compat_patches()

from . import checkpoint  # noqa: E402,F401  (before models: no cycle)
from . import datasets, engine, evaluation, models  # noqa: E402,F401

__version__ = '0.1.0'
