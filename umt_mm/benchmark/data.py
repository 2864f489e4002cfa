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

With ``formats`` (:func:`parse_format`), the prepared methods are instead
one per candidate format -- frame shards with given codec, quality, short
side and chroma subsampling, or H.264 re-encodes with a short GOP read by
``FastSparseDecode`` -- each with its storage multiplier and the PSNR of its
sampled frames against the same frames decoded from the source
(:func:`frame_psnr`).
"""
import os
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


def method_pipelines(pipeline: Sequence[dict],
                     threads: int = 1) -> Dict[str, List[dict]]:
    """The pipelines of the ``source`` and ``source_fast`` methods."""
    fast = []
    for step in pipeline:
        kind = step['type'].split('.')[-1]
        if kind == 'DecordInit':
            step = dict(type='FastVideoInit', num_threads=threads)
        elif kind == 'DecordDecode':
            step = dict(type='FastSparseDecode')
        fast.append(dict(step))
    return dict(source=[dict(s) for s in pipeline], source_fast=fast)


def _worker(job):
    """Time every method on this worker's files, interleaved."""
    (files, pipelines, crop_size, scales, seed, threads) = job
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
    cpu_times = {k: [] for k in names}
    rng = np.random.default_rng(seed)
    for i, row in enumerate(files):
        for name in names[i % len(names):] + names[:i % len(names)]:
            start, cpu_start = time.perf_counter(), time.process_time()
            if name == 'official':
                out = official_style_loader(row['official'], rng, crop_size,
                                            scales, threads)
                assert out.shape == (8, crop_size, crop_size, 3)
            else:
                res = composed[name](dict(filename=row[name], label=0,
                                          start_index=0, modality='RGB'))
                assert res['inputs'].ndim >= 4
            times[name].append(time.perf_counter() - start)
            cpu_times[name].append(time.process_time() - cpu_start)
    return times, cpu_times


def warm_page_cache(paths: Sequence[str], chunk: int = 1 << 22) -> int:
    """Read every file under ``paths`` (files or directories) once.

    The timed methods then read from memory, as every method of a
    training node does after its first epoch, instead of paying the
    first read of freshly written files. Returns the bytes read.
    """
    total = 0
    for path in paths:
        files = [path] if osp.isfile(path) else [
            osp.join(d, f) for d, _, fs in os.walk(path) for f in fs]
        for name in files:
            with open(name, 'rb') as f:
                while block := f.read(chunk):
                    total += len(block)
    return total


def run_data_benchmark(files: Sequence[Dict[str, str]],
                       pipelines: Dict[str, List[dict]], clips: int,
                       workers: int, crop_size: int, scales: Sequence[float],
                       threads: int = 1) -> dict:
    """clips/s per core of every method; workers run at the same time.

    Each clip is timed in wall time and in the worker's CPU time (all its
    threads): clips per CPU second is the cost per core, unaffected by
    waits for the disk or by other processes taking the core.

    Args:
        files (Sequence[dict]): Per source video, the file each method
            reads (``'official'``: the source; one key per pipeline).

    Returns:
        dict: per method ``per_core`` (median over workers of clips per
        CPU second), ``per_worker`` (median over workers of clips per wall
        second), ``total`` (wall clips/s summed over workers),
        ``ms_median`` (wall), ``cpu_ms_median`` and ``n`` clips.
    """
    per_worker = max(1, clips // workers)
    jobs = [([files[(w * per_worker + i) % len(files)]
              for i in range(per_worker)], pipelines, crop_size,
             tuple(scales), 1000 + w, threads)
            for w in range(workers)]
    if workers == 1:
        results = [_worker(jobs[0])]
    else:
        with get_context('fork').Pool(workers) as pool:
            results = pool.map(_worker, jobs)
    summary = {}
    for name in results[0][0]:
        rates = [len(w[name]) / sum(w[name]) for w, _ in results]
        cpu_rates = [len(c[name]) / max(sum(c[name]), 1e-9)
                     for _, c in results]
        all_t = [t for w, _ in results for t in w[name]]
        all_c = [t for _, c in results for t in c[name]]
        summary[name] = dict(per_core=statistics.median(cpu_rates),
                             per_worker=statistics.median(rates),
                             total=sum(rates),
                             ms_median=statistics.median(all_t) * 1e3,
                             cpu_ms_median=statistics.median(all_c) * 1e3,
                             n=len(all_t))
    return summary


def parse_format(spec: str) -> dict:
    """Options of a candidate prepared format.

    ``KIND[:OPT...]`` with KIND ``jpeg``/``webp``/``png`` (frame shards;
    options ``qN`` quality, ``sN`` short side, ``420``/``422``/``444``
    chroma subsampling), ``shards-h264`` (frame shards of H.264 packets;
    ``gN`` keyframe interval, default 4, ``sN``, ``cN`` CRF, default 23)
    or ``h264`` (re-encoded files read by ``FastSparseDecode``; ``gN``,
    default 16, ``sN``, ``cN``, ``fastdecode`` x264 tune). Examples:
    ``jpeg:q80:s256``, ``jpeg:q90:444``, ``shards-h264:g4:s256``,
    ``h264:g4:fastdecode``, ``h264:g1`` (all-intra).
    """
    from umt_mm.datasets.frame_shards import CODECS, SUBSAMPLING
    kind, *parts = spec.split(':')
    if kind == 'h264':
        out = dict(kind='h264', gop=16, short_side=0, crf=23, tune=None)
        keys = dict(g='gop', s='short_side', c='crf')
    elif kind == 'shards-h264':
        out = dict(kind='shards', codec='h264', quality=23, short_side=0,
                   subsampling='420', gop=4)
        keys = dict(g='gop', s='short_side', c='quality')
    elif kind in CODECS:
        out = dict(kind='shards', codec=kind, quality=90, short_side=0,
                   subsampling='420')
        keys = dict(q='quality', s='short_side')
    else:
        raise ValueError(f'format {spec!r}: kind {kind!r} is not one of '
                         f"{sorted(set(CODECS) - {'h264'})}, h264, "
                         'shards-h264')
    for part in parts:
        if kind not in ('h264', 'shards-h264') and part in SUBSAMPLING:
            out['subsampling'] = part
        elif kind == 'h264' and part == 'fastdecode':
            out['tune'] = part
        elif part[:1] in keys and part[1:].isdigit():
            out[keys[part[:1]]] = int(part[1:])
        else:
            raise ValueError(f'format {spec!r}: unknown option {part!r}')
    return out


def _reencode_job(job):
    from umt_mm.datasets.prepare import reencode_video
    src, dst, opts = job
    if osp.exists(dst):
        return
    os.makedirs(osp.dirname(dst), exist_ok=True)
    tmp = f'{dst}.tmp{os.getpid()}.mp4'
    try:
        reencode_video(src, tmp, opts['gop'], opts['short_side'],
                       opts['crf'], tune=opts['tune'])
        os.replace(tmp, dst)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def prepare_format(spec: str, src_root: str, keys: Sequence[str],
                   out_root: str, workers: int = 1) -> dict:
    """Convert the videos ``keys`` of ``src_root`` into format ``spec``.

    Returns:
        dict: ``kind``, ``root``, ``files`` (per key, the file the
        pipeline reads), ``source_bytes``, ``prepared_bytes``,
        ``multiplier``, ``failed`` (videos) and the format's options.
    """
    from umt_mm.datasets.prepare import prepare_frame_shards
    opts = parse_format(spec)
    src_bytes = sum(osp.getsize(osp.join(src_root, k)) for k in keys)
    if opts['kind'] == 'shards':
        m = prepare_frame_shards(
            src_root, out_root, keys, opts['codec'], opts['quality'],
            opts['short_side'], videos_per_shard=8, workers=workers,
            progress=False, subsampling=opts['subsampling'],
            gop=opts.get('gop', 4))
        files = {k: osp.join(out_root, k) for k in keys}
        size, failed = m['sizes']['prepared_bytes'], m['counts']['failed']
    else:
        files = {k: osp.join(out_root, osp.splitext(k)[0] + '.mp4')
                 for k in keys}
        jobs = [(osp.join(src_root, k), files[k], opts) for k in keys]
        if workers > 1 and len(jobs) > 1:
            with get_context('fork').Pool(min(workers, len(jobs))) as pool:
                pool.map(_reencode_job, jobs)
        else:
            for job in jobs:
                _reencode_job(job)
        size, failed = sum(osp.getsize(f) for f in files.values()), 0
    return dict(opts, root=out_root, files=files, source_bytes=src_bytes,
                prepared_bytes=size, multiplier=round(size / src_bytes, 3),
                failed=failed)


def format_pipeline(pipeline: Sequence[dict], fmt: dict,
                    threads: int = 1) -> List[dict]:
    """The config's pipeline reading a prepared format."""
    from umt_mm.datasets.prepared_dataset import prepared_pipeline
    if fmt['kind'] == 'shards':
        return prepared_pipeline(pipeline, fmt['root'])
    return method_pipelines(pipeline, threads)['source_fast']


DECODE_STEPS = ('DecordDecode', 'FastSparseDecode', 'PreparedFrameDecode')


def _decoding_part(pipeline: Sequence[dict]) -> List[dict]:
    """The steps up to and including the decoding step."""
    kinds = [s['type'].split('.')[-1] for s in pipeline]
    end = next(i for i, k in enumerate(kinds) if k in DECODE_STEPS)
    return [dict(s) for s in pipeline[:end + 1]]


def frame_psnr(pipeline: Sequence[dict], source_files: Sequence[str],
               other: Dict[str, Sequence[str]],
               other_pipelines: Dict[str, List[dict]],
               seeds: int = 2) -> Dict[str, float]:
    """PSNR (dB) of each method's sampled frames vs the source's.

    The decoding part of each pipeline (init, sampling, decode) runs under
    the same seeds, so the same frame indices are decoded from the source
    and from each method's file; frames stored at a smaller size are
    resized back to the source size (bilinear) first, so the figure
    counts the resolution loss too. Squared errors are averaged over all
    sampled frames.

    Returns:
        dict: method -> PSNR (``inf`` when identical).
    """
    import random

    import cv2
    import numpy as np
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope

    import umt_mm  # noqa: F401
    init_default_scope('mmaction')
    ref_pipe = Compose(_decoding_part(pipeline))
    pipes = {k: Compose(_decoding_part(v))
             for k, v in other_pipelines.items()}

    def run(pipe, filename, seed):
        np.random.seed(seed)
        random.seed(seed)
        res = pipe(dict(filename=filename, label=0, start_index=0,
                        modality='RGB'))
        return res['frame_inds'], res['imgs']

    sq = {k: [] for k in pipes}
    for i, src in enumerate(source_files):
        for seed in range(seeds):
            inds, ref = run(ref_pipe, src, seed)
            for name, pipe in pipes.items():
                got_inds, got = run(pipe, other[name][i], seed)
                assert list(got_inds) == list(inds), (name, src)
                for a, b in zip(ref, got):
                    if b.shape != a.shape:
                        b = cv2.resize(b, a.shape[1::-1],
                                       interpolation=cv2.INTER_LINEAR)
                    sq[name].append(((a.astype(np.float64) - b)**2).mean())
    return {k: (10 * np.log10(255**2 / np.mean(v)) if np.mean(v) > 0 else
                float('inf')) for k, v in sq.items()}


def crop_settings(pipeline: Sequence[dict]):
    """``(crop_size, scales)`` of the pipeline's ``MultiScaleCrop``."""
    crop = next((s for s in pipeline if s['type'] == 'MultiScaleCrop'),
                None)
    if crop is None:
        raise KeyError('train_pipeline has no MultiScaleCrop (the data '
                       'benchmark times the stage-1 pipeline)')
    size = crop['input_size']
    return (size if isinstance(size, int) else size[0]), tuple(crop['scales'])


def format_spec(codec: str = 'jpeg', quality: int = 90, short_side: int = 0,
                subsampling: str = '420') -> str:
    """The :func:`parse_format` spec of frame shards with these options."""
    return (f'{codec}:q{quality}' + (f':s{short_side}' if short_side else '')
            + (f':{subsampling}' if subsampling != '420' else ''))


def format_root(work_dir: str, spec: str) -> str:
    """Where :func:`data_benchmark` puts format ``spec`` in ``work_dir``."""
    return osp.join(work_dir, 'prepared_' + spec.replace(':', '_'))


def source_kbps(paths: Sequence[str]) -> float:
    """Mean bit rate (kbit/s) of video files: total bytes / total length."""
    import decord
    seconds = 0.
    for p in paths:
        vr = decord.VideoReader(p, num_threads=1)
        seconds += len(vr) / vr.get_avg_fps()
    return sum(osp.getsize(p) for p in paths) * 8 / seconds / 1e3


def data_benchmark(config: str, videos=None, num_videos: int = 8,
                   seconds: float = 10., work_dir=None, workers: int = 1,
                   clips: int = 32, threads: int = 1, codec: str = 'jpeg',
                   quality: int = 90, short_side: int = 0,
                   content: str = 'synthetic', formats=None,
                   subsampling: str = '420', psnr_seeds: int = 2) -> dict:
    """Every method of this module in one run on the same source files.

    Args:
        config (str): Config whose ``train_pipeline`` is timed.
        videos (str, optional): Directory of source videos. Defaults to
            ``num_videos`` generated clips.
        num_videos (int): Clips to generate. Defaults to 8.
        seconds (float): Length of generated clips. Defaults to 10.
        work_dir (str, optional): Where generated clips and prepared data
            go (reused when present). Defaults to a temporary directory,
            removed afterwards.
        workers (int): Worker processes (run at the same time). Defaults
            to 1.
        clips (int): Clips per method in total. Defaults to 32.
        threads (int): Decoder threads per worker. Defaults to 1.
        codec (str): Frame-shard codec. Defaults to ``'jpeg'``.
        quality (int): Frame-shard quality. Defaults to 90.
        short_side (int): Frame-shard short side (0: keep). Defaults to 0.
        content (str): Generated content, ``'synthetic'`` or ``'natural'``
            (:mod:`.videos`). Defaults to ``'synthetic'``.
        formats (Sequence[str], optional): Candidate formats
            (:func:`parse_format`) timed instead of the one frame-shard
            format of ``codec``/``quality``/``short_side``/``subsampling``
            (methods ``prepared`` and ``prepared_gpu_aug``). Defaults to
            None.
        subsampling (str): Frame-shard JPEG chroma subsampling. Defaults
            to ``'420'``.
        psnr_seeds (int): Samples per file for the PSNR of each format
            (0: skip). Defaults to 2.

    Returns:
        dict: ``methods`` (see :func:`run_data_benchmark`), ``ratios``
        (clips per CPU second over ``official``'s), ``wall_ratios`` (the
        same in wall time), ``formats`` (per prepared
        method: options, storage multiplier, ``psnr``), ``storage`` (of
        the first format), ``conditions``.
    """
    import shutil
    import tempfile

    import cv2

    from umt_mm.datasets.prepare import find_videos
    from umt_mm.datasets.prepared_dataset import cpu_part_of_pipeline
    from .train_step import load_config
    from .videos import generate_videos
    pipeline = load_config(config).train_pipeline
    crop_size, scales = crop_settings(pipeline)
    # The timing workers are forked from this process after it may have
    # converted a shard itself: a forked child that inherits OpenCV's
    # thread pool hangs when it sets its own thread count, so this process
    # never starts one (its OpenCV work is conversion and PSNR only).
    cv2.setNumThreads(1)
    tmp = None
    if work_dir is None:
        work_dir = tmp = tempfile.mkdtemp(prefix='umt_bench_data_')
    try:
        start = time.time()
        if videos:
            src_root = videos
            paths = [osp.join(videos, k) for k in find_videos(videos)]
        else:
            src_root = osp.join(work_dir, f'videos_{content}')
            paths = generate_videos(src_root, num_videos, seconds, workers,
                                    content)
        if not paths:
            raise FileNotFoundError(f'no videos under {src_root}')
        keys = [osp.relpath(p, src_root) for p in paths]
        gen_s = time.time() - start
        start = time.time()
        specs = list(formats) if formats else [
            format_spec(codec, quality, short_side, subsampling)]
        names = specs if formats else ['prepared']
        prepared = {
            name: prepare_format(spec, src_root, keys,
                                 format_root(work_dir, spec), workers)
            for name, spec in zip(names, specs)
        }
        prep_s = time.time() - start
        pipelines = method_pipelines(pipeline, threads)
        for name, fmt in prepared.items():
            pipelines[name] = format_pipeline(pipeline, fmt, threads)
        if not formats:
            pipelines['prepared_gpu_aug'] = cpu_part_of_pipeline(
                pipelines['prepared'])
        files = []
        for key, path in zip(keys, paths):
            row = dict(official=path, source=path, source_fast=path)
            for name in pipelines:
                fmt = prepared.get(name, prepared[names[0]])
                if name not in row:
                    row[name] = fmt['files'][key]
            files.append(row)
        warmed = warm_page_cache(
            list(paths) + [f['root'] for f in prepared.values()])
        summary = run_data_benchmark(files, pipelines, clips, workers,
                                     crop_size, scales, threads)
        psnr = frame_psnr(
            pipeline, paths,
            {n: [prepared[n]['files'][k] for k in keys] for n in names},
            {n: pipelines[n] for n in names}, psnr_seeds) \
            if psnr_seeds else {}
        kbps = source_kbps(paths)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    base = summary['official']['per_core']
    wall_base = summary['official']['per_worker']
    fmts = {n: dict({k: v for k, v in f.items() if k != 'files'},
                    spec=spec, psnr=psnr.get(n))
            for (n, f), spec in zip(prepared.items(), specs)}
    first = fmts[names[0]]
    return dict(
        methods=summary,
        ratios={k: v['per_core'] / base for k, v in summary.items()},
        wall_ratios={k: v['per_worker'] / wall_base
                     for k, v in summary.items()},
        formats=fmts,
        storage=dict(source_bytes=first['source_bytes'],
                     prepared_bytes=first['prepared_bytes'],
                     multiplier=first['multiplier'], codec=codec,
                     quality=quality, short_side=short_side,
                     failed=first['failed']),
        conditions=dict(config=config, files=len(paths), clips=clips,
                        workers=workers, threads=threads,
                        content=None if videos else content,
                        source_kbps=kbps, cpu_count=os.cpu_count(),
                        load_avg=os.getloadavg(), page_cache_bytes=warmed,
                        generate_s=gen_s, prepare_s=prep_s))
