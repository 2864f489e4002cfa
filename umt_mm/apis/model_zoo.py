"""UMT models by name: the model zoo of ``model-index.yml``.

``list_models(pattern)`` lists the names (and aliases) of the metafiles;
``get_model(name_or_config, checkpoint)`` builds the model of a name's config
(or of any config file) and loads a local checkpoint in any supported layout
(umt_mm, official release, mmaction2 ``projects/umt``, a Hugging Face
repository folder), converting on the fly. Nothing is downloaded: a missing
file raises an error that names the file to fetch and where from.
"""
import difflib
import fnmatch
import glob
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Union

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from torch import nn

from ..checkpoint import detect_layout, load_weights, read_state_dict
from ..checkpoint.reader import HF_WEIGHT_FILES
from ..checkpoint.student import _summary
from ..registry import MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL_INDEX = osp.join(REPO_ROOT, 'model-index.yml')
HF_REPO = 'OpenGVLab/UMT'
#: where ``get_model(name)`` looks for a zoo file when no checkpoint is given
CHECKPOINT_ENV = 'UMT_MM_CHECKPOINTS'
WEIGHT_SUFFIXES = ('.pth', '.pt', '.bin', '.safetensors', '.ckpt')


@dataclass(frozen=True)
class ModelInfo:
    """One model-zoo entry of a metafile."""

    name: str
    config: str
    file: str
    layout: str
    weights: str
    release_url: str = ''
    aliases: tuple = ()
    metadata: Dict = field(default_factory=dict, compare=False)
    results: tuple = ()

    def download_hint(self) -> str:
        """Where to get the file and which name to give it."""
        return (f'download {self.file} from {self.weights} (originally '
                f'{self.release_url}) and save it as checkpoints/'
                f'{self.file}, or pass checkpoint=PATH')


def _read_yaml(path: str) -> Dict:
    import yaml
    with open(path) as f:
        return yaml.safe_load(f) or {}


@lru_cache(maxsize=4)
def load_model_index(index: str = MODEL_INDEX) -> Dict[str, ModelInfo]:
    """Every entry of the metafiles imported by ``index``, by name."""
    if not osp.isfile(index):
        raise FileNotFoundError(f'model index not found: {index}')
    root = osp.dirname(osp.abspath(index))
    models = {}
    for metafile in _read_yaml(index).get('Import', []):
        path = osp.join(root, metafile)
        for entry in _read_yaml(path).get('Models', []):
            meta = dict(entry.get('Metadata', {}))
            alias = meta.get('Alias')
            info = ModelInfo(
                name=entry['Name'], config=osp.join(root, entry['Config']),
                file=meta['File'], layout=meta['Layout'],
                weights=entry.get('Weights', ''),
                release_url=meta.get('Release URL', ''),
                aliases=tuple([alias] if isinstance(alias, str) else
                              alias or ()),
                metadata=meta, results=tuple(entry.get('Results', ())))
            if info.name in models:
                raise ValueError(f'{path}: model {info.name} is listed twice')
            models[info.name] = info
    return models


def list_models(pattern: Optional[str] = None) -> List[str]:
    """Sorted zoo names matching ``pattern``.

    Args:
        pattern (str, optional): A shell pattern (``'*k400*'``) matched
            against names and aliases; without a wildcard it matches any name
            containing it. Defaults to None (every model).
    """
    models = load_model_index()
    if pattern is None:
        return sorted(models)
    if not any(c in pattern for c in '*?['):
        pattern = f'*{pattern}*'
    return sorted(name for name, info in models.items()
                  if any(fnmatch.fnmatch(n, pattern)
                         for n in (name, ) + info.aliases))


def get_model_info(name: str) -> ModelInfo:
    """The zoo entry of a name or alias; unknown names list close ones."""
    models = load_model_index()
    if name in models:
        return models[name]
    for info in models.values():
        if name in info.aliases:
            return info
    known = list(models) + [a for i in models.values() for a in i.aliases]
    parts = [p for p in re.split(r'[-_ ]', name.lower()) if p]
    close = [n for n in known if all(p in n.lower() for p in parts)][:5] \
        or difflib.get_close_matches(name, known, n=5, cutoff=0.5)
    hint = f'; did you mean {close}?' if close else ''
    raise ValueError(f'unknown UMT model {name!r}{hint} (list_models() '
                     f'shows all {len(models)} names of {MODEL_INDEX})')


def _search_dirs() -> List[str]:
    dirs = [d for d in os.environ.get(CHECKPOINT_ENV, '').split(os.pathsep)
            if d]
    dirs += ['checkpoints', osp.join(REPO_ROOT, 'checkpoints')]
    hf_home = os.environ.get('HF_HOME', osp.expanduser('~/.cache/huggingface'))
    cache = osp.join(hf_home, 'hub',
                     'models--' + HF_REPO.replace('/', '--'), 'snapshots')
    dirs += sorted(glob.glob(osp.join(cache, '*')))
    return dirs


def _find_in_dir(folder: str, file: Optional[str],
                 fallback: bool = True) -> Optional[str]:
    """``file`` anywhere under ``folder`` (a Hugging Face repository clone or
    snapshot keeps the release's names, possibly in sub-folders); with
    ``fallback``, else a Hugging Face model directory or the folder's only
    weight file."""
    if file:
        hits = sorted(glob.glob(osp.join(folder, '**', file), recursive=True))
        if hits or not fallback:
            return hits[0] if hits else None
    if any(osp.isfile(osp.join(folder, f)) for f in HF_WEIGHT_FILES):
        return folder  # a Hugging Face model directory
    if file:
        return None
    weights = sorted(p for p in glob.glob(osp.join(folder, '**', '*'),
                                          recursive=True)
                     if p.endswith(WEIGHT_SUFFIXES) and osp.isfile(p))
    if len(weights) > 1:
        raise ValueError(f'{folder} holds several weight files {weights[:6]};'
                         ' pass the file itself as checkpoint')
    return weights[0] if weights else None


def resolve_checkpoint(checkpoint: Optional[str],
                       info: Optional[ModelInfo] = None) -> str:
    """The local weight file to load for ``checkpoint`` / a zoo entry.

    ``checkpoint`` may be a file or a folder (searched for the entry's file
    name, else its single weight file). Without it, the entry's file is
    looked up in ``$UMT_MM_CHECKPOINTS``, ``checkpoints/`` and the Hugging
    Face cache of ``OpenGVLab/UMT``.
    """
    wanted = info.file if info else None
    if checkpoint is not None:
        if osp.isfile(checkpoint):
            return checkpoint
        if osp.isdir(checkpoint):
            found = _find_in_dir(checkpoint, wanted)
            if found:
                return found
            what = wanted or 'a weight file (' + ', '.join(
                WEIGHT_SUFFIXES) + ')'
            raise FileNotFoundError(f'{checkpoint} holds no {what}' + (
                f'; {info.download_hint()}' if info else ''))
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}' + (
            f'; {info.download_hint()}' if info else ''))
    if info is None:
        raise ValueError('a config needs checkpoint=PATH (or pretrained='
                         'False for random weights)')
    dirs = _search_dirs()
    for folder in dirs:
        if osp.isdir(folder):
            found = _find_in_dir(folder, wanted, fallback=False)
            if found:
                return found
    raise FileNotFoundError(
        f'no local checkpoint for {info.name}: {info.download_hint()} '
        f'(searched {dirs}; set ${CHECKPOINT_ENV} to add folders)')


def load_zoo_weights(model: nn.Module, path: str, layout: str = 'auto'):
    """Load ``path`` into ``model`` through :func:`umt_mm.checkpoint.
    load_weights`: any registered layout is converted, shape mismatches and
    missing parameters raise; keys the model lacks (teacher copies,
    decoders, text-MLM heads of a stage-2 file...) are dropped and logged.
    """
    state = read_state_dict(path)
    if layout == 'auto':
        layout = _guess_layout(state, model)
    report = load_weights(model, state, layout=layout, source=path,
                          allow_unexpected=('*', ))
    if report.unexpected:
        MMLogger.get_current_instance().info(
            f'{path}: dropped {len(report.unexpected)} tensors the model does'
            f' not have [{_summary(report.unexpected)}]')
    return report


def _guess_layout(state: Dict[str, torch.Tensor], model: nn.Module) -> str:
    """``'umt_mm'`` when the file holds every model parameter (but a
    separately loaded teacher), else the one registered layout that detects
    it, else ``'auto'`` (load_weights then names what does not fit)."""
    needed = [k for k in model.state_dict() if not k.startswith('teacher.')]
    if all(k in state for k in needed):
        return 'umt_mm'
    try:
        return detect_layout(state)
    except ValueError:
        return 'auto'


def _init_missing_teacher(model: nn.Module, missing) -> None:
    if any(k.startswith('teacher.') for k in missing):
        load_teacher(model)


def load_teacher(model: nn.Module) -> None:
    """Load a stage-1 model's CLIP teacher from ``model.teacher.pretrained``
    (warn when that is not a file: the teacher stays random)."""
    teacher = getattr(model, 'teacher', None)
    if teacher is None:
        return
    path = getattr(teacher, 'pretrained', None)
    if path and osp.exists(path):
        teacher.init_weights()
    else:
        MMLogger.get_current_instance().warning(
            'the CLIP teacher is not in the checkpoint and model.teacher.'
            f'pretrained ({path}) is not a file: the teacher is random '
            "(set cfg_options={'model.teacher.pretrained': PATH})")


def build_config(model: Union[str, Config],
                 cfg_options: Optional[Dict] = None) -> tuple:
    """``(Config, ModelInfo or None)`` of a zoo name, config path or Config.
    """
    info = None
    if isinstance(model, Config):
        cfg = model.copy()
    elif isinstance(model, str) and model.endswith('.py'):
        if not osp.isfile(model):
            raise FileNotFoundError(f'config not found: {model}')
        cfg = Config.fromfile(model)
    else:
        info = get_model_info(model)
        cfg = Config.fromfile(info.config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg, info


def get_model(model: Union[str, Config],
              checkpoint: Optional[str] = None,
              device: Union[str, torch.device, None] = None,
              pretrained: bool = True,
              layout: Optional[str] = None,
              cfg_options: Optional[Dict] = None) -> nn.Module:
    """Build a UMT model by zoo name (or config) and load its weights.

    Args:
        model (str | Config): A name or alias of :func:`list_models`, a config
            file or a :class:`Config`.
        checkpoint (str, optional): A weight file, or a folder holding it
            (e.g. a clone of the Hugging Face repository). Defaults to None:
            the zoo file is looked up locally (see
            :func:`resolve_checkpoint`).
        device (str | torch.device, optional): Defaults to ``'cuda'`` when
            available, else ``'cpu'``.
        pretrained (bool): False keeps the weights the modules get when
            built (``init_weights`` is not run, no file is read). Defaults
            to True.
        layout (str, optional): Force a layout of
            :data:`umt_mm.checkpoint.LAYOUTS` or ``'umt_mm'``.
            Defaults to None (detected from the keys).
        cfg_options (dict, optional): Config overrides. Defaults to None.

    Returns:
        nn.Module: The model in eval mode, with ``cfg`` (its config) and
        ``zoo_info`` (the zoo entry or None) attributes.
    """
    cfg, info = build_config(model, cfg_options)
    path = resolve_checkpoint(checkpoint, info) if pretrained else None
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    net = MODELS.build(cfg.model)
    if path:
        report = load_zoo_weights(net, path, layout or 'auto')
        if info and report.layout not in ('umt_mm', info.layout):
            MMLogger.get_current_instance().warning(
                f'{path} has the {report.layout} layout; {info.name} '
                f'lists {info.layout}')
        _init_missing_teacher(net, report.missing)
    if device is None:
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    net.cfg = cfg
    net.zoo_info = info
    return net.to(device).eval()
