"""Per-video UMT features for a folder or list of videos.

:class:`FeatureExtractor` turns one video into arrays (clip-level feature
averaged over the sampled views, per-view features, per-frame features,
tokens); :func:`extract_features` runs it over many videos, one output file
per video, resumable, in parallel processes, with a progress bar and a list
of the videos that failed.
"""
import copy
import json
import multiprocessing as mp
import os
import os.path as osp
import traceback
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose
from mmengine.logging import MMLogger
from torch import nn

from ..datasets.guarded import error_text
from .utils import atomic_write, progress

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.flv',
              '.mpg', '.mpeg', '.wmv', '.3gp')
#: what can be stored per video
FEATURE_KINDS = ('clip', 'views', 'frames', 'tokens')
SAMPLERS = ('UniformSample', 'SampleFrames', 'DenseSampleFrames')
CROPS = {'center': 'CenterCrop', 'three': 'ThreeCrop', 'ten': 'TenCrop'}
#: caption transforms of stage-2 pipelines, dropped for video features
TEXT_TRANSFORMS = ('TokenizeText', )
SETTINGS_FILE = 'extract_settings.json'
FAILURES_FILE = 'failures.txt'


def find_videos(source: str,
                root: Optional[str] = None) -> List[Tuple[str, str]]:
    """``[(path, key)]`` of a folder (searched recursively) or a list file.

    A list file holds one video a line, its first field a path (relative
    paths are taken under ``root``, default the list's folder), so
    mmaction2 annotation lists work as they are. ``key`` is the path
    relative to the folder / ``root`` without extension: the output name.
    """
    if osp.isdir(source):
        base = source
        paths = sorted(
            osp.join(d, f) for d, _, files in os.walk(source) for f in files
            if f.lower().endswith(VIDEO_EXTS))
    elif osp.isfile(source):
        base = root if root is not None else osp.dirname(source)
        with open(source) as f:
            rows = [line.split()[0] for line in f if line.strip()]
        paths = [p if osp.isabs(p) else osp.join(base, p) for p in rows]
    else:
        raise FileNotFoundError(f'no such folder or list file: {source}')
    if not paths:
        raise ValueError(f'{source} holds no videos (extensions: '
                         f'{", ".join(VIDEO_EXTS)})')
    videos, seen = [], {}
    for path in paths:
        rel = osp.relpath(path, base)
        key = osp.splitext(rel)[0] if not rel.startswith('..') else \
            osp.splitext(osp.basename(path))[0]
        if key in seen:
            raise ValueError(f'{path} and {seen[key]} would write the same '
                             f'output {key!r}')
        seen[key] = path
        videos.append((path, key))
    return videos


def sampling_pipeline(pipeline: Sequence[Dict],
                      num_clips: Optional[int] = None,
                      clip_len: Optional[int] = None,
                      frame_interval: Optional[int] = None,
                      crops: Optional[str] = None) -> List[Dict]:
    """A copy of a test pipeline with the sampling set.

    Args:
        pipeline (Sequence[dict]): The config's ``test_pipeline``.
        num_clips (int, optional): Temporal clips per video.
        clip_len (int, optional): Frames per clip (must match the model's
            ``num_frames``).
        frame_interval (int, optional): Frame step (``SampleFrames`` only).
        crops (str, optional): ``'center'``, ``'three'`` or ``'ten'``.

    Options left None keep the config's value; caption transforms
    (:data:`TEXT_TRANSFORMS`) are dropped.
    """
    pipeline = [t for t in copy.deepcopy(list(pipeline))
                if t['type'] not in TEXT_TRANSFORMS]  # video only
    for t in pipeline:
        if t['type'] == 'PackActionInputs':
            t.pop('algorithm_keys', None)
    sampler = [t for t in pipeline if t['type'] in SAMPLERS]
    crop = [t for t in pipeline if t['type'] in CROPS.values()]
    if not sampler:
        raise ValueError(f'the test pipeline has no frame sampler of '
                         f'{SAMPLERS}: {[t["type"] for t in pipeline]}')
    for key, value in (('num_clips', num_clips), ('clip_len', clip_len),
                       ('frame_interval', frame_interval)):
        if value is not None:
            sampler[0][key] = value
    sampler[0]['test_mode'] = True
    if crops is not None:
        if crops not in CROPS:
            raise ValueError(f'crops must be one of {sorted(CROPS)}, got '
                             f'{crops!r}')
        if not crop:
            raise ValueError('the test pipeline has no crop to replace')
        crop[0]['type'] = CROPS[crops]
    return pipeline


def _tokens_and_clip(model: nn.Module, video: torch.Tensor
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Tokens ``(V, N, C)`` and clip features ``(V, C)`` of ``V`` views.

    Recognizers: backbone tokens and the classifier's pooled, normalised
    input (pre-logits); stage 1: the student's last aligned layer and its
    token mean; stage 2: the vision tokens and the projected embedding.
    """
    if hasattr(model, 'vision_features'):  # stage 2
        tokens, emb = model.vision_features(video)
        return tokens, emb.mean(1)
    tokens = model.backbone(video)
    if isinstance(tokens, (tuple, list)):
        tokens = tokens[0]
    if tokens.dim() == 4:  # (K, B, N, C) aligned layers: the last one
        tokens = tokens[-1]
    if tokens.dim() == 5:  # (B, C, T, H, W) feature map
        tokens = tokens.flatten(2).transpose(1, 2)
    head = getattr(model, 'cls_head', None)
    if head is not None and hasattr(head, 'fc_norm'):
        return tokens, head.fc_norm(head.pool(tokens))
    return tokens, tokens.mean(1)


class FeatureExtractor:
    """Features of one video with a UMT model.

    Args:
        model (nn.Module): A recognizer, stage-1 or stage-2 model (e.g. from
            :func:`umt_mm.apis.get_model`).
        pipeline (Sequence[dict]): Test pipeline (see
            :func:`sampling_pipeline`).
        features (Sequence[str]): Any of ``'clip'`` (``(C,)``, mean over
            views), ``'views'`` (``(V, C)``), ``'frames'`` (``(V, T, C)``,
            tokens averaged per frame) and ``'tokens'`` (``(V, N, C)``).
            Defaults to ('clip',).
    """

    def __init__(self, model: nn.Module, pipeline: Sequence[Dict],
                 features: Sequence[str] = ('clip', )) -> None:
        unknown = set(features) - set(FEATURE_KINDS)
        if unknown or not features:
            raise ValueError(f'features must be among {FEATURE_KINDS}, got '
                             f'{list(features)}')
        self.model = model.eval()
        self.pipeline = Compose(list(pipeline))
        self.features = tuple(features)

    @classmethod
    def from_config(cls, config, checkpoint: Optional[str],
                    device: Optional[str] = None,
                    features: Sequence[str] = ('clip', ),
                    cfg_options: Optional[Dict] = None,
                    **sampling) -> 'FeatureExtractor':
        """Build from a config (or zoo name) and a checkpoint;
        ``sampling``: the options of :func:`sampling_pipeline`."""
        from .mask_vis import clip_pipeline
        from .model_zoo import get_model
        model = get_model(config, checkpoint, device=device,
                          cfg_options=cfg_options)
        cfg = model.cfg
        pipeline = cfg.get('test_pipeline') or (
            cfg.test_dataloader.dataset.pipeline if cfg.get(
                'test_dataloader') else clip_pipeline(cfg))  # stage 1
        return cls(model, sampling_pipeline(pipeline, **sampling), features)

    def load(self, path: str) -> Dict:
        """Decode and preprocess the views of one video."""
        data = self.pipeline(
            dict(filename=path, label=-1, start_index=0, modality='RGB'))
        batch = dict(inputs=[data['inputs']],
                     data_samples=[data['data_samples']])
        return self.model.data_preprocessor(batch, False)['inputs'][0]

    @torch.no_grad()
    def __call__(self, path: str) -> Dict[str, np.ndarray]:
        """The requested features of the video at ``path``."""
        video = self.load(path)
        tokens, clip = _tokens_and_clip(self.model, video)
        out = {}
        if 'clip' in self.features:
            out['clip'] = clip.mean(0)
        if 'views' in self.features:
            out['views'] = clip
        if 'frames' in self.features:
            V, N, C = tokens.shape
            frames = video.shape[2]
            if N % frames:
                raise ValueError(f'{N} tokens do not split into {frames} '
                                 'frames (tubelet > 1?): drop "frames"')
            out['frames'] = tokens.view(V, frames, N // frames, C).mean(2)
        if 'tokens' in self.features:
            out['tokens'] = tokens
        return {k: v.float().cpu().numpy() for k, v in out.items()}


def output_files(out_dir: str, key: str, features: Sequence[str],
                 fmt: str) -> List[str]:
    """Files written for one video: ``KEY.pt`` (a dict of tensors), or
    ``KEY.npy`` (clip) and ``KEY_<kind>.npy`` (other kinds)."""
    if fmt == 'pt':
        return [osp.join(out_dir, key + '.pt')]
    return [osp.join(out_dir, key + ('.npy' if kind == 'clip' else
                                     f'_{kind}.npy')) for kind in features]


def save_features(feats: Dict[str, np.ndarray], out_dir: str, key: str,
                  fmt: str) -> None:
    """Write one video's features atomically."""
    files = output_files(out_dir, key, list(feats), fmt)
    if fmt == 'pt':
        obj = {k: torch.from_numpy(v) for k, v in feats.items()}
        atomic_write(files[0], lambda f: torch.save(obj, f))
        return
    for path, value in zip(files, feats.values()):
        atomic_write(path, lambda f, v=value: np.save(f, v))


_WORKER: Dict = {}


def _init_worker(build_args: Dict, devices: Sequence[str],
                 threads: Optional[int] = None) -> None:
    ident = mp.current_process()._identity
    index = ident[0] - 1 if ident else 0
    if threads:
        torch.set_num_threads(threads)
    device = devices[index % len(devices)]
    _WORKER['extractor'] = FeatureExtractor.from_config(
        device=device, **build_args)


def _extract_one(job: Tuple[str, str, str, str]) -> Tuple[str, str]:
    """``(path, '')`` when written, ``(path, error)`` when it failed."""
    path, key, out_dir, fmt = job
    try:
        save_features(_WORKER['extractor'](path), out_dir, key, fmt)
        return path, ''
    except Exception as e:  # noqa: BLE001  (one bad video, reported)
        last = traceback.extract_tb(e.__traceback__)[-1]
        return path, (f'{error_text(e)} '
                      f'({osp.basename(last.filename)}:{last.lineno})')


def _check_settings(out_dir: str, settings: Dict, overwrite: bool) -> None:
    path = osp.join(out_dir, SETTINGS_FILE)
    if osp.isfile(path) and not overwrite:
        with open(path) as f:
            old = json.load(f)
        diff = {k: (old.get(k), v) for k, v in settings.items()
                if old.get(k) != v}
        if diff:
            raise ValueError(
                f'{out_dir} holds features made with other settings '
                f'(old, new): {diff}; choose another output folder or pass '
                'overwrite=True (--overwrite)')
    elif not osp.isfile(path) and osp.isdir(out_dir) and os.listdir(
            out_dir) and not overwrite:
        raise FileExistsError(
            f'{out_dir} exists and is not a feature folder of this tool '
            f'(no {SETTINGS_FILE}); choose another output folder or pass '
            'overwrite=True (--overwrite)')
    os.makedirs(out_dir, exist_ok=True)
    atomic_write(path, lambda f: f.write(
        json.dumps(settings, indent=1, sort_keys=True).encode()))


def extract_features(config,
                     checkpoint: Optional[str],
                     videos: str,
                     out_dir: str,
                     features: Sequence[str] = ('clip', ),
                     fmt: str = 'npy',
                     root: Optional[str] = None,
                     workers: int = 1,
                     devices: Optional[Sequence[str]] = None,
                     overwrite: bool = False,
                     cfg_options: Optional[Dict] = None,
                     **sampling) -> Dict:
    """Extract features of every video of a folder or list, one file each.

    Videos whose files exist are skipped (resume); a video that fails to
    decode is listed in ``OUT/failures.txt`` (path, error) and the run goes
    on. The settings are kept in ``OUT/extract_settings.json``: a rerun
    with other settings is refused unless ``overwrite``.

    Args:
        config (str): Config file or zoo name.
        checkpoint (str, optional): Weights (see
            :func:`umt_mm.apis.get_model`).
        videos (str): A folder (searched recursively) or a list file.
        out_dir (str): Output folder.
        features (Sequence[str]): Kinds of :class:`FeatureExtractor`.
            Defaults to ('clip',).
        fmt (str): ``'npy'`` or ``'pt'``. Defaults to 'npy'.
        root (str, optional): Base of relative paths in a list. Defaults to
            the list's folder.
        workers (int): Processes, each with its own model. Defaults to 1.
        devices (Sequence[str], optional): Devices given to the workers in
            turn. Defaults to every GPU, else ``['cpu']``.
        overwrite (bool): Recompute and overwrite existing outputs.
            Defaults to False.
        cfg_options (dict, optional): Config overrides. Defaults to None.
        **sampling: ``num_clips``, ``clip_len``, ``frame_interval``,
            ``crops`` (:func:`sampling_pipeline`).

    Returns:
        dict: ``total``, ``done`` (written now), ``skipped`` (already
        there), ``failed`` (list of ``(path, error)``).
    """
    if fmt not in ('npy', 'pt'):
        raise ValueError(f"fmt must be 'npy' or 'pt', got {fmt!r}")
    if workers < 1:
        raise ValueError(f'workers must be >= 1, got {workers}')
    items = find_videos(videos, root)
    settings = dict(
        config=osp.abspath(config) if osp.isfile(str(config)) else config,
        checkpoint=osp.abspath(checkpoint) if checkpoint else None,
        features=sorted(features), fmt=fmt, cfg_options=cfg_options or {},
        **{k: v for k, v in sampling.items() if v is not None})
    _check_settings(out_dir, settings, overwrite)
    todo = [(p, k, out_dir, fmt) for p, k in items
            if overwrite or not all(
                osp.isfile(f)
                for f in output_files(out_dir, k, features, fmt))]
    if devices is None:
        devices = [f'cuda:{i}' for i in range(torch.cuda.device_count())] \
            or ['cpu']
    build = dict(config=config, checkpoint=checkpoint, features=features,
                 cfg_options=cfg_options, **sampling)
    failed = []
    if todo:
        failed = _run_jobs(todo, build, devices, workers)
    lines = ''.join(f'{p}\t{e}\n' for p, e in failed)
    atomic_write(osp.join(out_dir, FAILURES_FILE),
                 lambda f: f.write(lines.encode()))
    summary = dict(total=len(items), done=len(todo) - len(failed),
                   skipped=len(items) - len(todo), failed=failed)
    MMLogger.get_current_instance().info(
        f'features of {summary["done"]} videos written to {out_dir}, '
        f'{summary["skipped"]} already there, {len(failed)} failed'
        + (f' (listed in {osp.join(out_dir, FAILURES_FILE)})'
           if failed else ''))
    return summary


def _run_jobs(todo: List, build: Dict, devices: Sequence[str],
              workers: int) -> List[Tuple[str, str]]:
    workers = min(workers, len(todo))
    if workers == 1:
        _init_worker(build, devices)
        return _collect(map(_extract_one, todo), len(todo))
    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = mp.get_context('spawn')
    with ctx.Pool(workers, initializer=_init_worker,
                  initargs=(build, list(devices), threads)) as pool:
        return _collect(pool.imap_unordered(_extract_one, todo), len(todo))


def _collect(results: Iterable, total: int) -> List[Tuple[str, str]]:
    failed = []
    for path, error in progress(results, total, 'extract features'):
        if error:
            failed.append((path, error))
    return sorted(failed)
