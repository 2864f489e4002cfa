"""Key-remapping helpers shared by the layout converters."""
from typing import Dict, Mapping, Sequence, Tuple

import torch

from ..pos_embed import sincos_table


def remap_prefixes(state: Mapping[str, torch.Tensor],
                   prefixes: Sequence[Tuple[str, str]],
                   drop: Sequence[str] = (),
                   layout: str = 'this layout') -> Dict[str, torch.Tensor]:
    """Rename keys by the first matching ``(src, dst)`` prefix pair.

    Keys in ``drop`` are skipped; a key matching no prefix is an error that
    names up to ten such keys and ``layout``.
    """
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
        raise ValueError(f'unexpected keys for {layout}: {unknown[:10]}')
    return out


def strip_prefixes(state: Mapping[str, torch.Tensor],
                   prefixes: Sequence[str]) -> Dict[str, torch.Tensor]:
    """Drop the first of ``prefixes`` that a key starts with (wrappers such
    as ``module.``); other keys are kept as they are."""
    out = {}
    for key, value in state.items():
        for prefix in prefixes:
            if key.startswith(prefix):
                key = key[len(prefix):]
                break
        out[key] = value
    return out


def is_fixed_table(pos: torch.Tensor) -> bool:
    """True when ``pos`` equals the sine-cosine table of its size."""
    table = sincos_table(pos.shape[-2], pos.shape[-1])
    return pos.numel() == table.numel() and torch.allclose(
        pos.reshape(table.shape).float(), table, atol=1e-5)
