"""Data-loading throughput: official-style loader vs umt_mm pipelines.

Methods, timed per file and interleaved in the same worker processes (one
thread each, so clips/s per worker is clips/s per core):

* ``official``: what the official ``kinetics_sparse.py`` loader does --
  decord ``VideoReader(num_threads=1)``, ``get_batch`` of the 8
  segment-sampled frames at full resolution, one multi-scale crop, resize;
* ``source``: the config's ``train_pipeline`` on the source files
  (decord, as shipped);
* ``source_fast``: the same with ``FastVideoInit``/``FastSparseDecode``;
* ``prepared``: the config's pipeline on frame shards of the same files
  (``PreparedFrameInit``/``PreparedFrameDecode``);
* ``prepared_gpu_aug``: frame shards, resize/flip left to
  ``BatchAugPreprocessor`` (CPU part only: read, decode, crop, stack).
"""
import os.path as osp
import statistics
import time
from multiprocessing import get_context
from typing import Dict, List, Sequence

METHODS = ('official', 'source', 'source_fast', 'prepared',
           'prepared_gpu_aug')


def official_style_loader(path, rng, crop_size, scales, threads=1):
    """Decord ``get_batch`` of 8 segment-sampled frames, crop, resize."""
    import cv2
    import decord
    import numpy as np
    vr = decord.VideoReader(path, num_threads=threads)
    n = len(vr)
    seg = n / 8
    inds = (np.arange(8) * seg + rng.uniform(0, seg, 8)).astype(int)
    frames = vr.get_batch(inds).asnumpy()
    h, w = frames.shape[1:3]
    side = int(min(h, w) * scales[rng.integers(len(scales))])
    y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
    return np.stack([
        cv2.resize(f[y:y + side, x:x + side], (crop_size, crop_size),
                   interpolation=cv2.INTER_LINEAR) for f in frames
    ])


def method_pipelines(pipeline: Sequence[dict], prepared_root=None,
                     threads: int = 1) -> Dict[str, List[dict]]:
    """The pipelines of the ``source*`` and ``prepared*`` methods."""
    from umt_mm.datasets.prepared_dataset import (cpu_part_of_pipeline,
                                                  prepared_pipeline)
    fast = []
    for step in pipeline:
        kind = step['type'].split('.')[-1]
        if kind == 'DecordInit':
            step = dict(type='FastVideoInit', num_threads=threads)
        elif kind == 'DecordDecode':
            step = dict(type='FastSparseDecode')
        fast.append(dict(step))
    out = dict(source=[dict(s) for s in pipeline], source_fast=fast)
    if prepared_root:
        prepared = prepared_pipeline(pipeline, prepared_root)
        out['prepared'] = prepared
        out['prepared_gpu_aug'] = cpu_part_of_pipeline(prepared)
    return out


def _worker(job):
    """Time every method on this worker's files, interleaved."""
    (paths, src_root, pipelines, crop_size, scales, seed, threads,
     prepared_root) = job
    import cv2
    import numpy as np
    import torch
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope

    import umt_mm  # noqa: F401
    init_default_scope('mmaction')
    composed = {k: Compose(v) for k, v in pipelines.items()}
    names = ['official'] + list(composed)
    times = {k: [] for k in names}
    rng = np.random.default_rng(seed)
    for i, path in enumerate(paths):
        for name in names[i % len(names):] + names[:i % len(names)]:
            start = time.perf_counter()
            if name == 'official':
                out = official_style_loader(path, rng, crop_size, scales,
                                            threads)
                assert out.shape == (8, crop_size, crop_size, 3)
            else:
                filename = path if not name.startswith('prepared') else \
                    osp.join(prepared_root, osp.relpath(path, src_root))
                res = composed[name](dict(filename=filename, label=0,
                                          start_index=0, modality='RGB'))
                assert res['inputs'].ndim >= 4
            times[name].append(time.perf_counter() - start)
    return times


def run_data_benchmark(paths: Sequence[str], src_root: str,
                       pipelines: Dict[str, List[dict]], clips: int,
                       workers: int, crop_size: int, scales: Sequence[float],
                       threads: int = 1, prepared_root=None) -> dict:
    """clips/s per worker of every method; workers run at the same time.

    Returns:
        dict: per method ``per_worker`` (median clips/s of the workers),
        ``total`` (sum over workers), ``ms_median`` and ``n`` clips.
    """
    per_worker = max(1, clips // workers)
    jobs = [([paths[(w * per_worker + i) % len(paths)]
              for i in range(per_worker)], src_root, pipelines, crop_size,
             tuple(scales), 1000 + w, threads, prepared_root)
            for w in range(workers)]
    if workers == 1:
        results = [_worker(jobs[0])]
    else:
        with get_context('fork').Pool(workers) as pool:
            results = pool.map(_worker, jobs)
    summary = {}
    for name in results[0]:
        rates = [len(r[name]) / sum(r[name]) for r in results]
        all_t = [t for r in results for t in r[name]]
        summary[name] = dict(per_worker=statistics.median(rates),
                             total=sum(rates),
                             ms_median=statistics.median(all_t) * 1e3,
                             n=len(all_t))
    return summary


def crop_settings(pipeline: Sequence[dict]):
    """``(crop_size, scales)`` of the pipeline's ``MultiScaleCrop``."""
    crop = next((s for s in pipeline if s['type'] == 'MultiScaleCrop'),
                None)
    if crop is None:
        raise KeyError('train_pipeline has no MultiScaleCrop (the data '
                       'benchmark times the stage-1 pipeline)')
    size = crop['input_size']
    return (size if isinstance(size, int) else size[0]), tuple(crop['scales'])


def data_benchmark(config: str, videos=None, num_videos: int = 8,
                   seconds: float = 10., work_dir=None, workers: int = 1,
                   clips: int = 32, threads: int = 1, codec: str = 'jpeg',
                   quality: int = 90, short_side: int = 0) -> dict:
    """Every method of this module in one run on the same source files.

    Args:
        config (str): Config whose ``train_pipeline`` is timed.
        videos (str, optional): Directory of source videos. Defaults to
            ``num_videos`` generated Kinetics-like clips.
        num_videos (int): Clips to generate. Defaults to 8.
        seconds (float): Length of generated clips. Defaults to 10.
        work_dir (str, optional): Where generated clips and frame shards
            go (reused when present). Defaults to a temporary directory,
            removed afterwards.
        workers (int): Worker processes (run at the same time). Defaults
            to 1.
        clips (int): Clips per method in total. Defaults to 32.
        threads (int): Decoder threads per worker. Defaults to 1.
        codec (str): Frame-shard codec. Defaults to ``'jpeg'``.
        quality (int): Frame-shard quality. Defaults to 90.
        short_side (int): Frame-shard short side (0: keep). Defaults to 0.

    Returns:
        dict: ``methods`` (see :func:`run_data_benchmark`), ``ratios``
        (per-worker clips/s over ``official``), ``storage`` (bytes and
        multiplier of the shards), ``conditions``.
    """
    import os
    import shutil
    import tempfile

    from umt_mm.datasets.prepare import find_videos, prepare_frame_shards
    from .train_step import load_config
    from .videos import generate_videos
    pipeline = load_config(config).train_pipeline
    crop_size, scales = crop_settings(pipeline)
    tmp = None
    if work_dir is None:
        work_dir = tmp = tempfile.mkdtemp(prefix='umt_bench_data_')
    try:
        start = time.time()
        if videos:
            src_root = videos
            paths = [osp.join(videos, k) for k in find_videos(videos)]
        else:
            src_root = osp.join(work_dir, 'videos')
            paths = generate_videos(src_root, num_videos, seconds, workers)
        if not paths:
            raise FileNotFoundError(f'no videos under {src_root}')
        gen_s = time.time() - start
        start = time.time()
        prepared = osp.join(work_dir, f'shards_{codec}{quality}_s'
                            f'{short_side}')
        manifest = prepare_frame_shards(
            src_root, prepared, [osp.relpath(p, src_root) for p in paths],
            codec, quality, short_side, videos_per_shard=8,
            workers=workers, progress=False)
        prep_s = time.time() - start
        pipelines = method_pipelines(pipeline, prepared, threads)
        summary = run_data_benchmark(paths, src_root, pipelines, clips,
                                     workers, crop_size, scales, threads,
                                     prepared)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    base = summary['official']['per_worker']
    return dict(
        methods=summary,
        ratios={k: v['per_worker'] / base for k, v in summary.items()},
        storage=dict(manifest['sizes'], codec=codec, quality=quality,
                     short_side=short_side,
                     failed=manifest['counts']['failed']),
        conditions=dict(config=config, files=len(paths), clips=clips,
                        workers=workers, threads=threads,
                        cpu_count=os.cpu_count(),
                        load_avg=os.getloadavg(),
                        generate_s=gen_s, prepare_s=prep_s))
