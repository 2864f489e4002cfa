"""Compatibility fixes for 2023-era OpenMMLab packages on a 2026 stack.

umt_mm runs on mmaction2 1.2.0 / mmcv 2.1.0 / mmengine 0.10.7 / mmpretrain
1.2.0 / mmdet 3.3.0, which predate numpy 2, torch >= 2.6 and recent
transformers. This module is the single place where their incompatibilities
are fixed. :func:`apply_compat_patches` applies every runtime fix; it is
idempotent, cheap on repeated calls and must run before ``mmaction.models`` is
imported (``umt_mm/__init__.py`` calls it first thing).

Each fix is a small function whose docstring says what breaks and why; see
``docs/install.md`` for the overview and ``tests/test_compat.py`` for tests.

The module imports only the standard library at top level, so the
build-time helpers (:func:`mmcv_cxx_std_flag`, :func:`patch_mmcv_setup_py`)
can be run as a script by ``tools/env.sh`` before mmcv is installed::

    python umt_mm/compat.py mmcv-cxx-std
    python umt_mm/compat.py patch-mmcv-setup path/to/mmcv/setup.py c++20
"""
import importlib
import importlib.metadata
import importlib.util
import os
import re
import sys
import types

__all__ = [
    'apply_compat_patches', 'fix_mmaction_missing_drn',
    'fix_transformers_modeling_utils', 'fix_numpy2_removed_aliases',
    'fix_hue_uint8_overflow', 'fix_torch_load_weights_only',
    'mmcv_cxx_std_flag', 'patch_mmcv_setup_py', 'torch_cxx_std_from_source'
]

_APPLIED = False


def _version_tuple(version):
    """'2.14.1+cu130' -> (2, 14, 1); non-numeric parts are dropped."""
    parts = []
    for piece in re.split(r'[.+]', str(version)):
        match = re.match(r'\d+', piece)
        if not match:
            break
        parts.append(int(match.group()))
    return tuple(parts)


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
# b. transformers >= 4.50 moved helpers out of transformers.modeling_utils
# ---------------------------------------------------------------------------
# name -> module that defines it in current transformers. Imported
# ``from transformers.modeling_utils`` by mmaction (vindlu/modeling_bert.py),
# mmpretrain (blip, blip2/Qformer, ram, ofa) and mmdet (vlfuse_helper.py).
TRANSFORMERS_MODELING_UTILS_NAMES = {
    'apply_chunking_to_forward': 'transformers.pytorch_utils',
    'find_pruneable_heads_and_indices': 'transformers.pytorch_utils',
    'prune_linear_layer': 'transformers.pytorch_utils',
    'GenerationConfig': 'transformers.generation',
    'GenerationMixin': 'transformers.generation',
    'PretrainedConfig': 'transformers.configuration_utils',
}


def fix_transformers_modeling_utils(modeling_utils=None):
    """Alias helpers removed from ``transformers.modeling_utils``.

    What breaks: transformers >= 4.50 no longer re-exports
    ``apply_chunking_to_forward``, ``find_pruneable_heads_and_indices`` and
    ``prune_linear_layer`` (now only in ``transformers.pytorch_utils``) from
    ``transformers.modeling_utils``, where mmaction2/mmpretrain/mmdet import
    them, so their multimodal modules (and ``import mmaction.models``) fail.
    Fix: set each missing name on the module from its new home. We pin
    ``transformers<4.50`` (all names present), so without a module argument
    nothing is imported unless transformers >= 4.50 is installed or
    ``transformers.modeling_utils`` is already loaded. Returns the names
    added.
    """
    if modeling_utils is None:
        if 'transformers.modeling_utils' not in sys.modules:
            try:
                version = importlib.metadata.version('transformers')
            except importlib.metadata.PackageNotFoundError:
                return []
            if _version_tuple(version)[:2] < (4, 50):
                return []
        modeling_utils = importlib.import_module('transformers.modeling_utils')
    added = []
    for name, source in TRANSFORMERS_MODELING_UTILS_NAMES.items():
        if hasattr(modeling_utils, name):
            continue
        try:
            value = getattr(importlib.import_module(source), name)
        except (ImportError, AttributeError):
            continue
        setattr(modeling_utils, name, value)
        added.append(name)
    return added


# ---------------------------------------------------------------------------
# c. numpy 2 removed aliases still used by mmaction2 / mmpretrain
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
# d. NEP 50: uint8 + negative Python int in hue adjustment
# ---------------------------------------------------------------------------
def _mmcv_adjust_hue(img, hue_factor, backend=None):
    """``mmcv.image.adjust_hue`` with numpy-1.x shift semantics.

    Identical to mmcv 2.1.0 except the hue shift, computed as
    ``np.uint8(int(hue_factor * 255) % 256)``: numpy 1.x cast the negative
    ``hue_factor * 255`` to uint8 by wrapping (-25 -> 231, i.e. a cyclic
    shift backwards); numpy 2 raises OverflowError instead.
    """
    import cv2
    import numpy as np
    from mmcv.image import photometric
    from PIL import Image

    if backend is None:
        backend = photometric.imread_backend
    if backend not in ['cv2', 'pillow']:
        raise ValueError(f'backend: {backend} is not supported.'
                         f"Supported backends are 'cv2', 'pillow'")
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f'hue_factor:{hue_factor} is not in [-0.5, 0.5].')
    if not (isinstance(img, np.ndarray) and (img.ndim in {2, 3})):
        raise TypeError('img should be ndarray with dim=[2 or 3].')
    shift = np.uint8(int(hue_factor * 255) % 256)

    if backend == 'pillow':
        assert img.dtype == np.uint8, 'Pillow backend only support uint8 type'
        pil_image = Image.fromarray(img[..., ::-1], mode='RGB')
        input_mode = pil_image.mode
        if input_mode in {'L', '1', 'I', 'F'}:
            return pil_image
        h, s, v = pil_image.convert('HSV').split()
        np_h = np.array(h, dtype=np.uint8)
        with np.errstate(over='ignore'):
            np_h += shift
        h = Image.fromarray(np_h, 'L')
        pil_image = Image.merge('HSV', (h, s, v)).convert(input_mode)
        return np.array(pil_image, dtype=img.dtype)[..., ::-1]
    dtype = img.dtype
    img = img.astype(np.uint8)
    hsv_img = cv2.cvtColor(img, cv2.COLOR_BGR2HSV_FULL)
    h, s, v = cv2.split(hsv_img)
    h = h.astype(np.uint8)
    with np.errstate(over='ignore'):
        h += shift
    hsv_img = cv2.merge([h, s, v])
    return cv2.cvtColor(hsv_img, cv2.COLOR_HSV2BGR_FULL).astype(dtype)


_mmcv_adjust_hue._umt_mm_fixed = True


def _mmaction_colorjitter_adjust_hue(img, factor):
    """mmaction ``ColorJitter.adjust_hue`` with numpy-1.x promotion.

    numpy 1.x value-based casting made ``uint8 + offset`` int16 for a
    negative ``offset`` (so ``% 180`` rotated correctly) and kept uint8 for
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
    img = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return img.astype(np.float32)


_mmaction_colorjitter_adjust_hue._umt_mm_fixed = True


def fix_hue_uint8_overflow(force=False):
    """Fix hue jitter under numpy 2's NEP 50 promotion rules.

    What breaks: under NEP 50 a Python int keeps the array's dtype, so
    ``uint8_array + (-26)`` and ``np.uint8(-25.5)`` raise ``OverflowError:
    Python integer -26 out of bounds for uint8`` (numpy 1.x promoted to
    int16 / wrapped). Every negative hue shift therefore crashes
    ``mmcv.adjust_hue`` (used by mmpretrain's ColorJitter) and mmaction's
    ``ColorJitter.adjust_hue`` (used by mmaction's ``ColorJitter``
    transform). Fix: on numpy >= 2 (or ``force``) replace both with versions
    that compute the numpy-1.x result. Returns the names patched.
    """
    import numpy as np
    if not force and _version_tuple(np.__version__)[0] < 2:
        return []
    patched = []
    import mmcv
    import mmcv.image
    import mmcv.image.photometric as photometric
    for mod in (photometric, mmcv.image, mmcv):
        current = getattr(mod, 'adjust_hue', None)
        if current is not None and not getattr(current, '_umt_mm_fixed',
                                               False):
            mod.adjust_hue = _mmcv_adjust_hue
            patched.append(f'{mod.__name__}.adjust_hue')
    try:
        from mmaction.datasets.transforms.processing import ColorJitter
    except ImportError:
        return patched
    if not getattr(ColorJitter.adjust_hue, '_umt_mm_fixed', False):
        ColorJitter.adjust_hue = staticmethod(_mmaction_colorjitter_adjust_hue)
        patched.append('mmaction ColorJitter.adjust_hue')
    return patched


# ---------------------------------------------------------------------------
# e. torch >= 2.6 torch.load(weights_only=True) vs mmengine checkpoints
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
    fix_transformers_modeling_utils()
    fix_torch_load_weights_only()
    fix_hue_uint8_overflow()
    _APPLIED = True


# ---------------------------------------------------------------------------
# f. mmcv 2.1.0 sdist vs torch's C++ standard (used by tools/env.sh)
# ---------------------------------------------------------------------------
_STD_FLAG_RE = re.compile(r'(?P<pre>[-/])std(?P<sep>[=:])c\+\+(?:11|14|17)\b')


def torch_cxx_std_from_source(cpp_extension_source):
    """Return the C++ standard torch's extension builder forces, or None.

    ``torch.utils.cpp_extension.BuildExtension`` appends ``-std=c++NN`` to
    every compile (``cpp_flag = cpp_flag_prefix + 'c++NN'``); torch 2.13 and
    2.14 use ``c++20`` and their headers do not compile with less.
    """
    match = re.search(r"cpp_flag_prefix\s*\+\s*['\"](c\+\+\d+)['\"]",
                      cpp_extension_source)
    if match:
        return match.group(1)
    found = re.findall(r"['\"]-std=(c\+\+\d+)['\"]", cpp_extension_source)
    if found:
        return max(found, key=lambda s: int(s[3:]))
    return None


def mmcv_cxx_std_flag(torch_version, cpp_extension_path=None):
    """C++ standard (e.g. ``'c++20'``) to build mmcv 2.1.0's ops with.

    Why: the mmcv 2.1.0 sdist hard-codes ``-std=c++14`` (and ``c++17`` on
    some paths) in its ``setup.py``; a later ``-std`` flag on the command line
    wins, so torch's own ``-std=c++20`` is overridden and torch >= 2.10's
    headers (which use C++20 features) fail to compile. The standard is read
    from the installed ``torch/utils/cpp_extension.py`` when its path is
    given; otherwise torch >= 2.10 -> ``c++20`` and older -> ``c++17``.
    """
    if cpp_extension_path and os.path.isfile(cpp_extension_path):
        with open(cpp_extension_path, encoding='utf-8') as f:
            std = torch_cxx_std_from_source(f.read())
        if std:
            return std
    if _version_tuple(torch_version)[:2] >= (2, 10):
        return 'c++20'
    return 'c++17'


def patch_mmcv_setup_py(text, std):
    """Rewrite every ``-std=c++1x`` / ``/std:c++1x`` in mmcv's setup.py.

    Returns ``(new_text, n_replaced)``; ``std`` is e.g. ``'c++20'``.
    """
    if not re.fullmatch(r'c\+\+\d+', std):
        raise ValueError(f'not a C++ standard: {std!r}')
    return _STD_FLAG_RE.subn(lambda m: f"{m['pre']}std{m['sep']}{std}", text)


def _installed_torch_cxx_std():
    spec = importlib.util.find_spec('torch')
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError('torch is not installed')
    torch_dir = list(spec.submodule_search_locations)[0]
    return mmcv_cxx_std_flag(
        importlib.metadata.version('torch'),
        os.path.join(torch_dir, 'utils', 'cpp_extension.py'))


def _main(argv):
    usage = ('usage: compat.py mmcv-cxx-std | '
             'compat.py patch-mmcv-setup SETUP_PY STD')
    if argv[:1] == ['mmcv-cxx-std'] and len(argv) == 1:
        print(_installed_torch_cxx_std())
        return 0
    if argv[:1] == ['patch-mmcv-setup'] and len(argv) == 3:
        path, std = argv[1], argv[2]
        with open(path, encoding='utf-8') as f:
            text, n = patch_mmcv_setup_py(f.read(), std)
        if n == 0:
            print(f'no -std=c++NN flag found in {path}', file=sys.stderr)
            return 1
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        print(f'{n} flags set to {std} in {path}')
        return 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(_main(sys.argv[1:]))
