"""Compatibility fixes for 2023-era OpenMMLab packages on a 2026 stack.

umt_mm runs on mmaction2 1.2.0 / mmcv 2.1.0 / mmengine 0.10.7 / mmpretrain
1.2.0 / mmdet 3.3.0, which predate numpy 2 and torch >= 2.6. This module is
the single place where their incompatibilities with the pinned stack
(``tools/env.sh``) are fixed. :func:`apply_compat_patches` applies every fix;
it is idempotent and must run before ``mmaction.models`` is imported
(``umt_mm/__init__.py`` calls it first thing).

Each fix is a small function whose docstring says what breaks and why; see
``docs/install.md`` for the overview and ``tests/test_compat.py`` for a test
of each that fails without it. Build-time helpers (mmcv's C++ standard) live
in ``tools/install/build_mmcv.py``, outside the import path.
"""
import importlib.util
import os
import sys
import types

__all__ = [
    'apply_compat_patches', 'fix_mmaction_missing_drn',
    'fix_numpy2_removed_aliases', 'fix_colorjitter_hue_overflow',
    'fix_torch_load_weights_only', 'mmengine_checkpoint_safe_globals'
]

_APPLIED = False


# ---------------------------------------------------------------------------
# a. mmaction2 1.2.0 wheel without mmaction.models.localizers.drn
# ---------------------------------------------------------------------------
_DRN_MODULES = ('mmaction.models.localizers.drn',
                'mmaction.models.localizers.drn.drn')


def _drn_unavailable_class():

    class DRN:
        """Placeholder for mmaction2's DRN localizer (not in the wheel)."""

        def __init__(self, *args, **kwargs):
            raise ImportError(
                'DRN is unavailable: the mmaction2 1.2.0 wheel does not ship '
                'mmaction.models.localizers.drn (umt_mm registered this '
                'placeholder so that `import mmaction.models` works). Install '
                'mmaction2 from its git source to use DRN.')

    DRN.__module__ = 'mmaction.models.localizers.drn.drn'
    DRN.__qualname__ = 'DRN'
    DRN._umt_mm_placeholder = True
    return DRN


def fix_mmaction_missing_drn():
    """Register a placeholder ``mmaction.models.localizers.drn`` package.

    What breaks: the mmaction2 1.2.0 wheel on PyPI lacks the package
    ``mmaction/models/localizers/drn/`` while ``localizers/__init__.py`` does
    ``from .drn.drn import DRN``, so ``import mmaction.models`` raises
    ModuleNotFoundError. Fix: when (and only when) the real package is absent
    from the installed mmaction, put modules defining ``DRN`` into
    ``sys.modules``; instantiating that ``DRN`` raises a clear ImportError.
    Returns True when the placeholder was installed.
    """
    if all(name in sys.modules for name in _DRN_MODULES):
        return False
    spec = importlib.util.find_spec('mmaction')  # does not import mmaction
    if spec is None or not spec.submodule_search_locations:
        return False
    loc = os.path.join(
        list(spec.submodule_search_locations)[0], 'models', 'localizers')
    if (os.path.exists(os.path.join(loc, 'drn', '__init__.py'))
            or os.path.exists(os.path.join(loc, 'drn.py'))):
        return False
    drn_cls = _drn_unavailable_class()
    pkg = types.ModuleType(_DRN_MODULES[0],
                           'umt_mm placeholder (not in mmaction2 1.2.0)')
    pkg.__path__ = []
    sub = types.ModuleType(_DRN_MODULES[1], pkg.__doc__)
    sub.DRN = pkg.DRN = drn_cls
    pkg.drn = sub
    pkg.__all__ = sub.__all__ = ['DRN']
    sys.modules.setdefault(_DRN_MODULES[0], pkg)
    sys.modules.setdefault(_DRN_MODULES[1], sub)
    return True


# ---------------------------------------------------------------------------
# b. numpy 2 removed aliases still used by mmaction2 / mmpretrain
# ---------------------------------------------------------------------------
def _in1d(ar1, ar2, assume_unique=False, invert=False, *, kind=None):
    """numpy<2 ``np.in1d``: ``np.isin`` on the flattened first argument."""
    import numpy as np
    return np.isin(
        ar1, ar2, assume_unique=assume_unique, invert=invert,
        kind=kind).ravel()


def fix_numpy2_removed_aliases(np_module=None):
    """Restore ``np.in1d``, ``np.trapz``, ``np.NAN`` and ``np.Inf``.

    What breaks: numpy 2 removed them, but the installed OpenMMLab code still
    uses them (a grep of mmaction2/mmpretrain/mmdet/mmengine/mmcv for the
    numpy-2 removals finds exactly these four):
    ``np.in1d`` in mmaction's ``RetrievalRecall`` / mmpretrain's retrieval
    metrics, ``np.trapz`` in ``mmaction.evaluation.functional.average_recall_
    at_avg_proposals``, ``np.NAN`` in the AVA evaluation metrics and
    ``np.Inf`` in mmaction's pose transforms and ``mmaction.utils.misc``.
    Fix: add each alias only when missing (``in1d`` -> ``isin(...).ravel()``,
    ``trapz`` -> ``trapezoid``, ``NAN`` -> ``nan``, ``Inf`` -> ``inf``).
    Returns the names added.
    """
    if np_module is None:
        import numpy as np_module
    aliases = {
        'in1d': _in1d,
        'trapz': getattr(np_module, 'trapezoid', None),
        'NAN': np_module.nan,
        'Inf': np_module.inf,
    }
    added = []
    for name, value in aliases.items():
        if value is None or name in vars(np_module):
            continue
        try:
            getattr(np_module, name)
            continue  # still provided (numpy < 2 or a deprecation shim)
        except AttributeError:
            pass
        setattr(np_module, name, value)
        added.append(name)
    return added


# ---------------------------------------------------------------------------
# c. NEP 50: uint8 + negative Python int in mmaction's ColorJitter
# ---------------------------------------------------------------------------
def _colorjitter_adjust_hue(img, factor):
    """mmaction ``ColorJitter.adjust_hue`` with numpy 1.x promotion.

    numpy 1.x made ``uint8 + offset`` int16 for a negative ``offset`` (so
    ``% 180`` rotates backwards) and kept uint8, wrapping at 256, for
    ``0 <= offset <= 255``; both cases are reproduced explicitly.
    """
    import cv2
    import numpy as np
    img = np.clip(img, 0, 255).astype(np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    offset = int(factor * 255)
    hue = hsv[..., 0]
    if offset < 0:
        shifted = hue.astype(np.int16) + offset
    else:
        shifted = hue + np.uint8(offset)  # wraps at 256, as in numpy 1.x
    hsv[..., 0] = shifted % 180
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)


_colorjitter_adjust_hue._umt_mm_fixed = True


def fix_colorjitter_hue_overflow():
    """Make mmaction's ``ColorJitter`` hue jitter work under numpy 2.

    What breaks: under NEP 50 (numpy 2) a Python int keeps the array's
    dtype, so ``ColorJitter.adjust_hue`` (``(hsv[..., 0] + offset) % 180`` on
    uint8) raises ``OverflowError: Python integer -25 out of bounds for
    uint8`` for every negative hue factor. mmaction's ``ColorJitter()``
    defaults to ``hue=0.1``, i.e. factors in [-0.1, 0.1], so about every
    second call crashes. Fix: on numpy >= 2 replace ``adjust_hue`` with
    :func:`_colorjitter_adjust_hue`, which gives the numpy 1.x result.
    Returns True when the method was replaced.
    """
    import numpy as np
    if int(np.__version__.split('.')[0]) < 2:
        return False
    from mmaction.datasets.transforms.processing import ColorJitter
    if getattr(ColorJitter.adjust_hue, '_umt_mm_fixed', False):
        return False
    ColorJitter.adjust_hue = staticmethod(_colorjitter_adjust_hue)
    return True


# ---------------------------------------------------------------------------
# d. torch >= 2.6 torch.load(weights_only=True) vs mmengine checkpoints
# ---------------------------------------------------------------------------
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')
# numpy dtype classes whose instances appear in mmengine checkpoints (the
# dtypes of logged scalars / HistoryBuffer arrays).
NUMPY_CHECKPOINT_DTYPES = ('bool', 'int8', 'int16', 'int32', 'int64',
                           'uint8', 'uint16', 'uint32', 'uint64', 'float16',
                           'float32', 'float64')


def _history_buffer_getattr(obj, name):
    """Stand-in for ``builtins.getattr`` inside mmengine checkpoints.

    ``HistoryBuffer._statistics_methods`` holds the functions
    ``HistoryBuffer.min/max/current/mean``; pickle stores those as
    ``getattr(HistoryBuffer, 'min')``. Only exactly these lookups are
    allowed; real ``getattr`` would let a pickle reach arbitrary attributes.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    if obj is HistoryBuffer and name in HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    import pickle
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


def mmengine_checkpoint_safe_globals():
    """The allowlist :func:`fix_torch_load_weights_only` registers."""
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer
    multiarray = np._core.multiarray if hasattr(np, '_core') else \
        np.core.multiarray
    safe = [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        (multiarray._reconstruct, 'numpy._core.multiarray._reconstruct'),
        (multiarray.scalar, 'numpy._core.multiarray.scalar'),
        # checkpoints written under numpy 1.x name numpy.core.multiarray
        (multiarray._reconstruct, 'numpy.core.multiarray._reconstruct'),
        (multiarray.scalar, 'numpy.core.multiarray.scalar'),
        (_history_buffer_getattr, 'builtins.getattr'),
    ]
    for name in NUMPY_CHECKPOINT_DTYPES:
        dtype_cls = type(np.dtype(name))
        if dtype_cls is not np.dtype:  # numpy >= 1.25 has per-dtype classes
            safe.append(dtype_cls)
    return safe


def fix_torch_load_weights_only():
    """Allowlist the types mmengine's own checkpoints contain.

    What breaks: torch >= 2.6 defaults ``torch.load`` to ``weights_only=True``
    and mmengine 0.10.7 calls ``torch.load(filename, map_location=...)``
    (``mmengine.runner.checkpoint`` loaders), so loading/resuming a
    checkpoint written by mmengine's Runner fails with "Unsupported global:
    mmengine.logging.history_buffer.HistoryBuffer" (its message hub keeps
    HistoryBuffers of numpy arrays and numpy scalars). Fix: register exactly
    those types with ``torch.serialization.add_safe_globals`` (see
    :func:`mmengine_checkpoint_safe_globals`); weights-only protection stays
    on, so other globals (e.g. ``os.system``) are still refused.
    Returns the registered list ([] on a torch without add_safe_globals).
    """
    import torch.serialization
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return []
    safe = mmengine_checkpoint_safe_globals()
    torch.serialization.add_safe_globals(safe)
    return safe


def apply_compat_patches():
    """Apply every runtime fix (idempotent; call before mmaction.models)."""
    global _APPLIED
    if _APPLIED:
        return
    fix_mmaction_missing_drn()
    fix_numpy2_removed_aliases()
    fix_torch_load_weights_only()
    fix_colorjitter_hue_overflow()
    _APPLIED = True
