"""Official UMT release layouts -> umt_mm state dicts.

Stage 1 (``single_modality`` pre-training, ``{'model': state_dict}``):

==============================  ==================================
official key                    umt_mm key (``UMTPretrain``)
==============================  ==================================
``encoder.<rest>``              ``backbone.<rest>``
``clip_decoder.<i>.<rest>``     ``head.clip_decoder.<i>.<rest>``
==============================  ==================================

The fixed sine-cosine tables (``encoder.pos_embed``, ``clip_pos_embed``) are
not parameters in either model and are dropped when present; a learnable
``encoder.pos_embed`` is kept.
"""
import os
import os.path as osp
import tempfile
from typing import Callable, Dict, Mapping, Tuple

import torch

STAGE1_PREFIXES = (('encoder.', 'backbone.'),
                   ('clip_decoder.', 'head.clip_decoder.'))


def load_state_dict_file(path: str) -> Dict[str, torch.Tensor]:
    """Read a checkpoint safely (``weights_only``) and unwrap its state dict."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('model', 'state_dict', 'module'):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
    if not isinstance(ckpt, dict) or not all(
            isinstance(v, torch.Tensor) for v in ckpt.values()):
        raise ValueError(f'{path} holds no state dict of tensors')
    return dict(ckpt)


def _remap(state: Mapping[str, torch.Tensor],
           prefixes: Tuple[Tuple[str, str], ...],
           drop: Tuple[str, ...] = ()) -> Dict[str, torch.Tensor]:
    out, unknown = {}, []
    for key, value in state.items():
        if key in drop:
            continue
        for src, dst in prefixes:
            if key.startswith(src):
                out[dst + key[len(src):]] = value
                break
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(f'unexpected keys for this layout: {unknown[:10]}')
    return out


def convert_official_stage1(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official stage-1 model state dict -> ``UMTPretrain`` state dict."""
    state = dict(state)
    pos = state.get('encoder.pos_embed')
    drop = ('clip_pos_embed', )
    if pos is not None and _is_fixed_table(pos):
        drop += ('encoder.pos_embed', )
    return _remap(state, STAGE1_PREFIXES, drop)


def _is_fixed_table(pos: torch.Tensor) -> bool:
    """True when ``pos`` equals the sine-cosine table of its size."""
    from ..models.layers import sincos_table
    table = sincos_table(pos.shape[-2], pos.shape[-1])
    return torch.allclose(pos.reshape(table.shape).float(), table, atol=1e-5)


#: layout name -> (detector, converter)
LAYOUTS: Dict[str, Tuple[Callable, Callable]] = {
    'stage1': (lambda s: any(k.startswith('clip_decoder.') for k in s)
               and any(k.startswith('encoder.') for k in s),
               convert_official_stage1),
}


def detect_official_layout(state: Mapping[str, torch.Tensor]) -> str:
    for name, (detect, _) in LAYOUTS.items():
        if detect(state):
            return name
    raise ValueError('unrecognised checkpoint layout; known layouts: '
                     f'{sorted(LAYOUTS)}; first keys: {list(state)[:8]}')


def convert_official(state: Mapping[str, torch.Tensor],
                     layout: str = 'auto') -> Tuple[str, Dict]:
    """Convert with an explicit or detected layout; returns (layout, state)."""
    if layout == 'auto':
        layout = detect_official_layout(state)
    if layout not in LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}; choose from '
                         f'{sorted(LAYOUTS)} or auto')
    return layout, LAYOUTS[layout][1](state)


def save_checkpoint_atomic(obj, path: str) -> None:
    """``torch.save`` to a temporary file, then rename (never half-written)."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp')
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
