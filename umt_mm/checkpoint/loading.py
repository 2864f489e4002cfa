"""Attach weights to a model, refusing what does not fit.

:func:`load_weights` is the one function every umt_mm path uses to put
weights into a module: ``init_cfg`` of a backbone (``umt://`` or a plain
file with ``prefix``), the CLIP teacher, the stage-2 vision init, whole
models (``load_from``, ``tools/test.py``, ``tools/infer.py``).

Rules:

* A tensor whose shape differs from the model's (after the model's own
  load hooks, e.g. a learnable ``pos_embed`` resized to the model's grid or
  a classifier cut by ``channel_map``) is an error listing every such key
  with both shapes and the file.
* Missing and unexpected keys are compared with allow-lists: the caller's,
  the layout's (:class:`umt_mm.checkpoint.registry.Layout`) and the
  model's own ``ckpt_allow_missing`` / ``ckpt_allow_unexpected`` attributes
  (e.g. a retrieval model built without the pre-training teacher); keys
  outside them are an error unless ``strict=False`` (which a config must
  ask for explicitly), then a warning.
"""
import fnmatch
from typing import (Any, Dict, List, Mapping, NamedTuple, Optional, Sequence,
                    Tuple, Union)

import torch
from mmengine.logging import MMLogger, print_log
from torch import nn

from .reader import read_checkpoint, unwrap_state_dict
from .registry import LAYOUTS, convert_layout, get_layout
from .student import STUDENT_ALLOW_MISSING, UMT_SCHEME, extract_student

StateDict = Dict[str, torch.Tensor]


class CheckpointMismatchError(ValueError):
    """Weights that do not fit a model (shapes, or keys outside the
    allow-lists); the message lists them."""


class LoadReport(NamedTuple):
    """What :func:`load_weights` did.

    Attributes:
        source (str): File (or ``'state dict'``).
        layout (str): ``'umt_mm'``, ``'student'`` or a registered layout.
        loaded (int): Number of tensors copied.
        missing (list[str]): Model keys absent from the checkpoint (all
            allowed when strict).
        unexpected (list[str]): Checkpoint keys the model lacks.
        meta (dict): The file's top-level ``meta`` ({} if none).
    """

    source: str
    layout: str
    loaded: int
    missing: List[str]
    unexpected: List[str]
    meta: Dict


def _matches(key: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(key, p) for p in patterns)


def _head(items: Sequence[str], n: int = 8) -> str:
    return ', '.join(items[:n]) + (' ...' if len(items) > n else '')


def _with_prefix(state: StateDict, prefix: Optional[str],
                 source: str) -> StateDict:
    if not prefix:
        return state
    out = {k[len(prefix):]: v for k, v in state.items()
           if k.startswith(prefix)}
    if not out:
        raise CheckpointMismatchError(
            f'{source}: no key starts with prefix {prefix!r}; first keys: '
            f'{list(state)[:8]}')
    return out


def _run_load_hooks(model: nn.Module, state: StateDict) -> StateDict:
    """Apply the modules' load-state-dict pre-hooks to a copy of ``state``
    (resizing / slicing hooks), so shapes compare as the load will see
    them. The hooks are idempotent: the real load runs them again."""
    state = dict(state)
    for name, module in model.named_modules():
        prefix = name + '.' if name else ''
        for hook in module._load_state_dict_pre_hooks.values():
            hook(state, prefix, {}, False, [], [], [])
    return state


def _resolve(model: nn.Module, checkpoint: Union[str, Mapping], layout: str,
             prefix: Optional[str], source: Optional[str],
             logger) -> Tuple[str, str, StateDict, Dict, Tuple[Tuple, Tuple]]:
    """-> source, layout, state in umt_mm names, meta and the layout's
    (allowed missing, allowed unexpected) patterns."""
    meta: Dict = {}
    if isinstance(checkpoint, str) and checkpoint.startswith(UMT_SCHEME):
        source = checkpoint[len(UMT_SCHEME):]
        raw = read_checkpoint(source)
        state = extract_student(unwrap_state_dict(raw, source), source,
                                logger)
        return source, 'student', state, meta, (STUDENT_ALLOW_MISSING, ())
    if isinstance(checkpoint, str):
        source = checkpoint
        raw = read_checkpoint(source)
        if isinstance(raw, Mapping) and isinstance(raw.get('meta'), Mapping):
            meta = dict(raw['meta'])
        state = unwrap_state_dict(raw, source)
    else:
        source = source or 'state dict'
        state = unwrap_state_dict(checkpoint, source)
    model_keys = set(model.state_dict())
    under_prefix = {k[len(prefix):] for k in state
                    if k.startswith(prefix)} if prefix else state
    # auto: the umt_mm names when every key is the model's or no layout
    # recognises the file (the key check then names what does not fit);
    # else the recognised layout (e.g. mmaction2's projects/umt, whose keys
    # are umt_mm names but backbone.fc_norm).
    native = layout == 'umt_mm' or layout == 'auto' and (
        bool(under_prefix) and set(under_prefix) <= model_keys
        or not any(lay.detect(state) for lay in LAYOUTS.values()))
    if native:  # then the key comparison names what does not fit
        return (source, 'umt_mm', _with_prefix(state, prefix, source), meta,
                ((), ()))
    try:
        layout, state = convert_layout(state, layout)
    except ValueError as e:
        raise CheckpointMismatchError(f'{source}: {e}') from e
    spec = get_layout(layout)
    return (source, layout, _with_prefix(state, prefix, source), meta,
            (spec.allow_missing, spec.allow_unexpected))


def load_weights(model: nn.Module,
                 checkpoint: Union[str, Mapping[str, torch.Tensor]],
                 *,
                 layout: str = 'auto',
                 prefix: Optional[str] = None,
                 allow_missing: Sequence[str] = (),
                 allow_unexpected: Sequence[str] = (),
                 strict: bool = True,
                 strict_shapes: bool = True,
                 hint: str = '',
                 source: Optional[str] = None,
                 logger: Optional[MMLogger] = None) -> LoadReport:
    """Load ``checkpoint`` into ``model``, refusing weights that do not fit.

    Args:
        model (nn.Module): The module to fill (a part or a whole model).
        checkpoint (str | dict): A file or Hugging Face directory
            (:func:`~umt_mm.checkpoint.reader.read_checkpoint`), ``umt://``
            + a file (the UMT student of any stage, for a backbone), or a
            state dict.
        layout (str): ``'auto'`` (the umt_mm names when every key is the
            model's or no registered layout matches, else the detected
            layout), ``'umt_mm'`` or a registered layout name. Ignored
            for ``umt://``. Defaults to 'auto'.
        prefix (str, optional): Take only the keys under this prefix,
            stripped (e.g. ``'backbone.'``), after layout conversion.
            Defaults to None.
        allow_missing (Sequence[str]): ``fnmatch`` patterns of model keys
            the checkpoint may lack (e.g. ``'cls_head.*'`` for a new
            classifier), added to the layout's own. Defaults to ().
        allow_unexpected (Sequence[str]): Patterns of checkpoint keys the
            model may lack. Defaults to ().
        strict (bool): Keys outside the allow-lists raise; False only warns.
            Defaults to True.
        strict_shapes (bool): Shape mismatches raise; False skips those
            tensors with a warning. Defaults to True.
        hint (str): Appended to error messages (what sources are accepted).
            Defaults to ''.
        source (str, optional): Names a state-dict ``checkpoint`` (its
            file) in messages. Defaults to None.
        logger (MMLogger, optional): Defaults to the current logger.

    Returns:
        LoadReport: source, layout, counts, missing/unexpected keys, meta.

    Raises:
        CheckpointMismatchError: (a ``ValueError``) listing the shape
            mismatches (key, checkpoint shape, model shape) and the keys
            outside the allow-lists, naming the file.
    """
    logger = logger or MMLogger.get_current_instance()
    source, layout, state, meta, (layout_missing, layout_unexpected) = \
        _resolve(model, checkpoint, layout, prefix, source, logger)
    state = _run_load_hooks(model, state)
    own = model.state_dict()
    wrong = [k for k in state if k in own and state[k].shape != own[k].shape]
    missing = sorted(k for k in own if k not in state)
    unexpected = sorted(k for k in state if k not in own)
    allowed_missing = tuple(layout_missing) + tuple(allow_missing) + tuple(
        getattr(model, 'ckpt_allow_missing', ()))
    allow_unexpected = tuple(layout_unexpected) + tuple(
        allow_unexpected) + tuple(getattr(model, 'ckpt_allow_unexpected', ()))
    bad_missing = [k for k in missing if not _matches(k, allowed_missing)]
    bad_unexpected = [k for k in unexpected
                      if not _matches(k, allow_unexpected)]
    problems = []
    if wrong and strict_shapes:
        problems.append('shape mismatches: ' + _head(
            [f'{k} checkpoint {tuple(state[k].shape)} vs model '
             f'{tuple(own[k].shape)}' for k in wrong], 20))
    if strict and (bad_missing or bad_unexpected):
        problems.append(f'missing keys ({len(bad_missing)}): '
                        f'{_head(bad_missing)}; unexpected keys '
                        f'({len(bad_unexpected)}): {_head(bad_unexpected)}')
    name = type(model).__name__
    if problems:
        raise CheckpointMismatchError(
            f'{source} (layout {layout}) does not fit {name}: '
            + '; '.join(problems) + (f'. {hint}' if hint else ''))
    if wrong:
        logger.warning(f'{source}: skipped {len(wrong)} tensors of another '
                       f'shape (strict_shapes=False): {_head(wrong)}')
        state = {k: v for k, v in state.items() if k not in wrong}
    if bad_missing or bad_unexpected:
        logger.warning(f'{source} -> {name} (strict=False): missing '
                       f'{_head(bad_missing)}; unexpected '
                       f'{_head(bad_unexpected)}')
    model.load_state_dict(state, strict=False)
    loaded = len(state) - len(unexpected)
    print_log(f'Loaded {loaded} tensors into {name} from {source} (layout '
              f'{layout}); expected missing {len(missing) - len(bad_missing)}'
              f', unexpected {len(unexpected)}', logger=logger)
    return LoadReport(source, layout, loaded, missing, unexpected, meta)


def load_init_cfg(module: nn.Module, init_cfg: Any,
                  allow_missing: Sequence[str] = (),
                  logger: Optional[MMLogger] = None) -> bool:
    """Apply a ``Pretrained`` ``init_cfg`` through :func:`load_weights`.

    Keys read: ``checkpoint`` (a file or ``umt://`` file), ``prefix``,
    ``layout``, ``allow_missing``, ``allow_unexpected``, ``strict``
    (mmengine's ``map_location`` is accepted and ignored: weights are read
    on the CPU). Returns False (nothing done) for any other init_cfg.
    """
    if not isinstance(init_cfg, Mapping) or init_cfg.get(
            'type') != 'Pretrained':
        return False
    known = {'type', 'checkpoint', 'prefix', 'layout', 'allow_missing',
             'allow_unexpected', 'strict', 'map_location'}
    unknown = set(init_cfg) - known
    if unknown:
        raise ValueError(f'init_cfg of {type(module).__name__}: unknown keys '
                         f'{sorted(unknown)}; known: {sorted(known)}')
    load_weights(
        module, init_cfg['checkpoint'], layout=init_cfg.get('layout', 'auto'),
        prefix=init_cfg.get('prefix'),
        allow_missing=tuple(allow_missing) + tuple(
            init_cfg.get('allow_missing', ())),
        allow_unexpected=tuple(init_cfg.get('allow_unexpected', ())),
        strict=init_cfg.get('strict', True), logger=logger)
    return True
