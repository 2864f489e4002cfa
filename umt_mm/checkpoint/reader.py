"""The one checkpoint reader: safe loading and state-dict unwrapping.

Every umt_mm path that reads weights from disk goes through
:func:`read_state_dict`. Pickled files are read with
``torch.load(weights_only=True)`` under the allow-list of
:func:`umt_mm.compat.mmengine_checkpoint_safe_globals` (the types mmengine
checkpoints hold); a file needing anything else is refused, never unpickled
freely. Also read: ``.safetensors`` files, TorchScript archives (OpenAI CLIP)
and Hugging Face model directories.

Unwrapping (:data:`UNWRAP_KEYS`): while the loaded object is a dict that is
not a flat dict of tensors, the first of ``'state_dict'`` (mmengine),
``'model'`` (official UMT / DeiT-style), ``'module'`` (DDP-wrapped saves),
``'ema'`` whose value is a dict is entered. So
``{'model': {'module': sd}}`` gives ``sd``, and a file holding both
``state_dict`` and ``model`` gives ``state_dict``. A flat dict whose every
key starts with ``module.`` (a DDP wrapper's ``state_dict()``) loses it.
"""
import os
import os.path as osp
import tempfile
import zipfile
from typing import Any, Dict, Mapping

import torch

#: Keys entered, in this order of preference, until a flat state dict.
UNWRAP_KEYS = ('state_dict', 'model', 'module', 'ema')
#: Weight files looked for, in order, in a Hugging Face model directory.
HF_WEIGHT_FILES = ('model.safetensors', 'pytorch_model.bin')


def _is_tensor_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and len(obj) > 0 and all(
        isinstance(v, torch.Tensor) for v in obj.values())


def unwrap_state_dict(obj: Any, source: str = 'checkpoint'
                      ) -> Dict[str, torch.Tensor]:
    """Descend :data:`UNWRAP_KEYS` until a flat ``{name: Tensor}`` dict.

    Args:
        obj (Any): What :func:`read_checkpoint` returned.
        source (str): Named in errors. Defaults to 'checkpoint'.

    Raises:
        ValueError: no flat dict of tensors is reached.
    """
    while isinstance(obj, Mapping) and not _is_tensor_dict(obj):
        for key in UNWRAP_KEYS:
            if isinstance(obj.get(key), Mapping):
                obj = obj[key]
                break
        else:
            break
    if not _is_tensor_dict(obj):
        top = list(obj)[:8] if isinstance(obj, Mapping) else type(obj)
        raise ValueError(f'{source} holds no state dict of tensors (looked '
                         f'under {UNWRAP_KEYS}); top level: {top}')
    if all(k.startswith('module.') for k in obj):  # saved from a DDP wrapper
        return {k[len('module.'):]: v for k, v in obj.items()}
    return dict(obj)


def _is_torchscript(path: str) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        return any(n.endswith('constants.pkl') for n in zf.namelist())


def read_checkpoint(path: str) -> Any:
    """Load a checkpoint file or Hugging Face directory, safely.

    Args:
        path (str): A ``.pth``/``.pt``/``.bin`` file, a ``.safetensors``
            file, a TorchScript archive or a Hugging Face model directory.

    Returns:
        The loaded object (a state dict for safetensors, TorchScript and
        Hugging Face directories; whatever was saved otherwise).
    """
    if osp.isdir(path):
        for name in HF_WEIGHT_FILES:
            if osp.isfile(osp.join(path, name)):
                return read_checkpoint(osp.join(path, name))
        raise FileNotFoundError(
            f'{path} is a directory but holds none of {HF_WEIGHT_FILES} '
            '(expected a Hugging Face model directory)')
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path)
    if _is_torchscript(path):
        # TorchScript archives hold no Python pickles to execute.
        return torch.jit.load(path, map_location='cpu').state_dict()
    # The allow-list is registered process-wide by umt_mm.compat (run when
    # umt_mm is imported). torch.serialization.safe_globals() must not be
    # used here: on exit it removes its globals, the registered ones too.
    return torch.load(path, map_location='cpu', weights_only=True)


def read_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """:func:`read_checkpoint` then :func:`unwrap_state_dict`."""
    return unwrap_state_dict(read_checkpoint(path), path)


def save_checkpoint_atomic(obj: Any, path: str) -> None:
    """``torch.save`` to a temporary file, fsync, then rename.

    A crash or a full disk never leaves a truncated file under ``path``.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
