"""The effective training / testing recipe of a config.

:func:`resolve_recipe` reads a config the way mmengine's ``Runner`` will use
it: ``auto_scale_lr`` multiplies the optimizer lr by
``GPUs x train_dataloader.batch_size / base_batch_size`` before the
schedulers are built, so a ``LinearLR`` ``start_factor`` and a
``CosineAnnealingLR`` ``eta_min_ratio`` (and the ``start_lr`` / ``min_lr``
of umt_mm's ``ScaledLinearLR`` / ``ScaledCosineAnnealingLR``) scale with it
while an absolute ``eta_min`` does not. Repeated sampling
(``RepeatAugDataset``) gives ``num_repeats`` clips per loaded video; the lr
refers to loaded videos.

Paper configs name their official script and GPU count in a top-level
``official_recipe = dict(script=..., gpus=...)`` (read by the recipe table,
ignored by the runner). ``tools/analysis/print_recipe.py`` prints a recipe;
:func:`recipe_table` renders ``docs/recipes.md``.
"""
import glob
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config

#: printed fields, in order: (key, column title)
FIELDS = (
    ('gpus', 'GPUs'), ('clips_per_gpu', 'clips/GPU'), ('repeats', 'repeats'),
    ('lr', 'lr'), ('min_lr', 'min lr'), ('warmup_lr', 'warm-up lr'),
    ('epochs', 'epochs'), ('warmup_epochs', 'warm-up'),
    ('weight_decay', 'wd'), ('layer_decay', 'layer decay'),
    ('drop_path', 'drop path'), ('dropout', 'dropout'),
    ('frames', 'frames'), ('resolution', 'res'),
    ('test_views', 'test views'), ('precision', 'precision'),
    ('checkpointed_blocks', 'ckpt blocks'), ('text_len', 'text len'),
    ('embed_dim', 'embed dim'), ('keep_temporal', 'per-frame'),
    ('interpolation', 'resize'))
#: depth of the UMTViT presets (``UMTViT.arch_zoo``)
DEPTH = {'b': 12, 'base': 12, 'l': 24, 'large': 24}
#: ``optim_wrapper.dtype`` of an AmpOptimWrapper (None: fp16 autocast)
PRECISION = {'bfloat16': 'bf16', 'float16': 'fp16', 'float32': 'fp32',
             None: 'fp16'}


def _backbone(model: dict) -> dict:
    return model.get('backbone') or model.get('vision_encoder') or {}


def _pipeline(loader: Optional[dict]) -> List[dict]:
    if not loader:
        return []
    dataset = loader.get('dataset', {})
    return list(dataset.get('pipeline', []))


def _step(pipeline: Sequence[dict], *types: str) -> Optional[dict]:
    return next((t for t in pipeline if t.get('type') in types), None)


#: scheduler types by role; the ``Scaled*`` ones (umt_mm/engine/
#: schedulers.py) take lrs in the units of the optimizer lr
WARMUP_TYPES = ('LinearLR', 'ScaledLinearLR')
COSINE_TYPES = ('CosineAnnealingLR', 'ScaledCosineAnnealingLR')


def _schedulers(cfg: Config) -> Dict[str, dict]:
    """The first warm-up and cosine scheduler, as ``{'warmup': ...,
    'cosine': ...}``."""
    found = {}
    for sched in cfg.get('param_scheduler', None) or []:
        role = ('warmup' if sched['type'] in WARMUP_TYPES else
                'cosine' if sched['type'] in COSINE_TYPES else None)
        if role:
            found.setdefault(role, sched)
    return found


def _lrs(cfg: Config, gpus: int) -> dict:
    """Effective peak, floor and warm-up start lr on ``gpus`` processes."""
    wrapper = cfg.get('optim_wrapper', None)
    if not wrapper or 'train_dataloader' not in cfg:
        return {}
    base_lr = lr = wrapper['optimizer']['lr']
    scale = cfg.get('auto_scale_lr', None)
    if scale and scale.get('enable', False):
        lr *= gpus * cfg.train_dataloader.batch_size / scale.base_batch_size
    out = dict(lr=lr, min_lr=None, warmup_lr=None)
    scheds = _schedulers(cfg)
    warm = scheds.get('warmup')
    if warm is not None:
        factor = (warm['start_lr'] / base_lr if 'start_lr' in warm else
                  warm.get('start_factor', 1.0 / 3))
        out['warmup_lr'] = lr * factor
    cos = scheds.get('cosine')
    if cos is not None:
        ratio = (cos['min_lr'] / base_lr if 'min_lr' in cos else
                 cos.get('eta_min_ratio', 0.0))
        out['min_lr'] = cos['eta_min'] if 'eta_min' in cos else lr * ratio
    return out


def _precision(cfg: Config) -> Optional[str]:
    wrapper = cfg.get('optim_wrapper', None)
    if not wrapper:
        return None
    if wrapper.get('type', 'OptimWrapper') == 'OptimWrapper':
        return 'fp32'
    return PRECISION.get(wrapper.get('dtype', None), wrapper.get('dtype'))


def _checkpointed(backbone: dict) -> int:
    if not backbone.get('with_cp', False):
        return 0
    arch = backbone.get('arch', 'b')
    depth = arch['num_layers'] if isinstance(arch, dict) else DEPTH[arch]
    cp = backbone.get('num_cp_layers', None)
    return depth if cp is None else min(cp, depth)


def _views(test: Sequence[dict]) -> Optional[str]:
    sample = _step(test, 'UniformSample', 'SampleFrames')
    if sample is None:
        return None
    crops = 3 if _step(test, 'ThreeCrop') else (
        10 if _step(test, 'TenCrop') else 1)
    return f"{sample.get('num_clips', 1)}x{crops}"


def resolve_recipe(cfg, gpus: Optional[int] = None) -> dict:
    """The effective values of a config.

    Args:
        cfg (str | Config): A config file or a loaded config.
        gpus (int, optional): Number of training processes. Defaults to
            ``official_recipe.gpus`` of the config, else 1.

    Returns:
        dict: The :data:`FIELDS` keys (``None`` where a config has no such
        value) plus ``config`` and ``script``.
    """
    path = cfg if isinstance(cfg, str) else cfg.filename
    if isinstance(cfg, str):
        cfg = Config.fromfile(cfg)
    official = cfg.get('official_recipe', None) or {}
    gpus = gpus or official.get('gpus', None) or 1
    model = cfg.get('model', {})
    backbone = _backbone(model)
    train_loader = cfg.get('train_dataloader', None)
    train = _pipeline(train_loader)
    test = _pipeline(cfg.get('test_dataloader', None))
    sample = _step(train or test, 'UniformSample', 'SampleFrames',
                   'SampleAVAFrames')
    tokenizer = _step(test or train, 'TokenizeText')
    resize = _step(test or train, 'Resize')
    head = model.get('cls_head', None) or {}
    wrapper = cfg.get('optim_wrapper', None) or {}
    scheds = _schedulers(cfg)
    paramwise = wrapper.get('paramwise_cfg', None) or {}
    dataset = (train_loader or {}).get('dataset', {})
    recipe = dict(
        config=osp.relpath(path) if path else None,
        script=official.get('script', None),
        gpus=gpus if train_loader else None,
        clips_per_gpu=train_loader.batch_size if train_loader else None,
        repeats=(dataset.get('num_repeats', 1) if train_loader else None),
        epochs=cfg.get('train_cfg', {}).get('max_epochs', None)
        if train_loader else None,
        warmup_epochs=(scheds['warmup'].get('end', None)
                       if 'warmup' in scheds else None),
        weight_decay=(wrapper['optimizer'].get('weight_decay', None)
                      if wrapper else None),
        layer_decay=paramwise.get('layer_decay_rate', None),
        drop_path=backbone.get('drop_path_rate', None),
        dropout=head.get('dropout_ratio', None),
        frames=sample.get('clip_len', None) if sample else None,
        resolution=backbone.get('img_size', None),
        test_views=_views(test),
        precision=_precision(cfg),
        checkpointed_blocks=_checkpointed(backbone) if backbone else None,
        text_len=tokenizer.get('max_length', None) if tokenizer else None,
        embed_dim=model.get('embed_dim', None),
        keep_temporal=model.get('keep_temporal', None),
        interpolation=(resize.get('interpolation', 'bilinear')
                       if resize and tokenizer else None))
    recipe.update(dict(lr=None, min_lr=None, warmup_lr=None))
    recipe.update(_lrs(cfg, gpus))
    return recipe


def _fmt(value) -> str:
    if value is None:
        return '-'
    if isinstance(value, float):
        return f'{value:.4g}'
    return str(value)


def format_recipe(recipe: dict) -> str:
    """One ``field: value`` line per field of :func:`resolve_recipe`."""
    lines = [f'config: {recipe["config"]}',
             f'official script: {recipe["script"] or "-"}']
    lines += [f'{title}: {_fmt(recipe[key])}' for key, title in FIELDS]
    return '\n'.join(lines)


def paper_configs(root: str = 'configs') -> List[str]:
    """Config files under ``root`` that set ``official_recipe`` themselves
    (every paper config names its own official script)."""
    found = []
    for path in sorted(glob.glob(osp.join(root, '**', '*.py'),
                                 recursive=True)):
        with open(path, encoding='utf-8') as f:
            if re.search(r'^official_recipe\s*=', f.read(), re.M):
                found.append(path)
    return found


def recipe_table(configs: Sequence[str]) -> str:
    """A markdown table, one row per config, of :func:`resolve_recipe`."""
    header = ['config', 'official script'] + [t for _, t in FIELDS]
    rows = ['| ' + ' | '.join(header) + ' |',
            '|' + '---|' * len(header)]
    for path in configs:
        r = resolve_recipe(path)
        cells = [f'`{osp.basename(path)[:-3]}`',
                 f'`{r["script"]}`' if r['script'] else '-']
        cells += [_fmt(r[key]) for key, _ in FIELDS]
        rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows) + '\n'


RECIPES_DOC_HEAD = """# Recipes

Effective values of every paper config as the runner resolves them on the
official number of GPUs (`auto_scale_lr`, repeated sampling, warm-up start
and cosine floor scaled with the lr), next to the official script they follow
(paths in the official release,
[OpenGVLab/unmasked_teacher](https://github.com/OpenGVLab/unmasked_teacher)).
Generated by `python tools/analysis/print_recipe.py --docs docs/recipes.md`;
`tests/test_recipes.py` regenerates it and checks every value against the
official scripts. Differences kept on purpose are listed below the table.

"""


#: the hand-written part of docs/recipes.md starts at this line
DOC_TAIL_MARK = '## Deliberate differences'


def recipes_doc(root: str = 'configs', tail: str = '') -> str:
    """The text of ``docs/recipes.md``: :data:`RECIPES_DOC_HEAD`, the
    :func:`recipe_table` of :func:`paper_configs` and ``tail``."""
    table = recipe_table(paper_configs(root))
    return RECIPES_DOC_HEAD + table + ('\n' + tail if tail else '')


def doc_tail(text: str) -> str:
    """The hand-written part of a recipes document (from
    :data:`DOC_TAIL_MARK` on), empty when absent."""
    if text.startswith(DOC_TAIL_MARK):
        return text
    at = text.find('\n' + DOC_TAIL_MARK)
    return text[at + 1:] if at >= 0 else ''


def recipes_doc_update(path: str, root: str = 'configs') -> str:
    """Regenerate the table of the recipes document ``path``, keeping its
    hand-written tail; returns the new text."""
    tail = ''
    if osp.isfile(path):
        with open(path, encoding='utf-8') as f:
            tail = doc_tail(f.read())
    text = recipes_doc(root, tail)
    write_atomic(path, text)
    return text


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)
