"""Registry of checkpoint layouts: name -> detector, converter, allow-lists.

A layout is a way a released checkpoint names its tensors. Its converter is
a pure function from that state dict to umt_mm's names (no model needed);
its detector says from the keys alone whether a state dict is in the layout.
"""
from dataclasses import dataclass
from typing import Callable, Dict, Mapping, Optional, Sequence, Tuple

import torch

StateDict = Dict[str, torch.Tensor]


@dataclass(frozen=True)
class Layout:
    """One registered layout.

    Args:
        name (str): Registry key, e.g. ``'stage1'``.
        detect (Callable): ``detect(state) -> bool`` on the raw keys.
        convert (Callable): ``convert(state) -> state`` in umt_mm names.
        allow_missing (tuple[str]): ``fnmatch`` patterns of umt_mm keys a
            model may lack in the converted file (e.g. a head the layout
            never holds). Defaults to ().
        allow_unexpected (tuple[str]): Patterns of converted keys a model
            may not have. Defaults to ().
        doc (str): One line shown in listings. Defaults to ''.
    """

    name: str
    detect: Callable[[Mapping[str, torch.Tensor]], bool]
    convert: Callable[[Mapping[str, torch.Tensor]], StateDict]
    allow_missing: Tuple[str, ...] = ()
    allow_unexpected: Tuple[str, ...] = ()
    doc: str = ''


#: name -> :class:`Layout`, in registration (= detection) order
LAYOUTS: Dict[str, Layout] = {}


def register_layout(name: str,
                    detect: Callable,
                    convert: Callable,
                    *,
                    allow_missing: Sequence[str] = (),
                    allow_unexpected: Sequence[str] = (),
                    doc: str = '') -> Layout:
    """Add a layout; a second registration of ``name`` is an error."""
    if name in LAYOUTS or name in ('auto', 'umt_mm'):
        raise KeyError(f'checkpoint layout {name!r} is already registered '
                       "(or reserved: 'auto', 'umt_mm')")
    layout = Layout(name, detect, convert, tuple(allow_missing),
                    tuple(allow_unexpected), doc)
    LAYOUTS[name] = layout
    return layout


def get_layout(name: str) -> Layout:
    if name not in LAYOUTS:
        raise ValueError(f'unknown layout {name!r}; choose from '
                         f'{sorted(LAYOUTS)} or auto')
    return LAYOUTS[name]


def detect_layout(state: Mapping[str, torch.Tensor]) -> str:
    """Name of the registered layout whose detector accepts ``state``.

    Raises:
        ValueError: no layout, or more than one, matches.
    """
    found = [name for name, lay in LAYOUTS.items() if lay.detect(state)]
    if len(found) > 1:
        raise ValueError(f'checkpoint matches several layouts {found}; pass '
                         'layout= explicitly')
    if not found:
        raise ValueError('unrecognised checkpoint layout; known layouts: '
                         f'{sorted(LAYOUTS)}; first keys: {list(state)[:8]}')
    return found[0]


def convert_layout(state: Mapping[str, torch.Tensor],
                   layout: Optional[str] = 'auto') -> Tuple[str, StateDict]:
    """Convert with an explicit or detected layout; returns (layout, state)."""
    if layout in (None, 'auto'):
        layout = detect_layout(state)
    return layout, get_layout(layout).convert(state)
