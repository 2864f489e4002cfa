#!/usr/bin/env python
"""Throughput benchmarks of UMT stage 1: training step, data loading, test.

Subcommands (``--help`` on each for all options)::

    # GPU step only: teacher fwd + semantic masking + student fwd/bwd + AdamW
    python tools/analysis/benchmark.py train-step --model b --batch 64 \
        --dtype bf16 --teacher-dtype bf16 --steps 30
    # data: plain decord loader vs the stage-1 pipeline, same files, interleaved
    python tools/analysis/benchmark.py data \
        --config configs/umt/stage1_vitb.py --num-videos 16 --workers 2 \
        --clips 64 --reencode
    # inference throughput and multi-process scaling of multi-view testing
    python tools/analysis/benchmark.py test --model tiny --device cpu

Every figure printed is measured in this run; nothing is estimated except
the analytic FLOP count (see :func:`stage1_flops`), which is labelled so.
"""
import argparse
import os
import os.path as osp
import resource
import shutil
import statistics
import sys
import tempfile
import time
from multiprocessing import get_context

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

PRESET_CONFIGS = {
    'tiny': 'configs/umt/stage1_demo.py',
    'b': 'configs/umt/stage1_vitb.py',
    'l': 'configs/umt/stage1_vitl.py',
}
DTYPES = {'fp32': None, 'bf16': 'bfloat16', 'fp16': 'float16'}


# --------------------------------------------------------------------------
# FLOP count
# --------------------------------------------------------------------------
def vit_block_flops(tokens: int, width: int, mlp_ratio: float = 4.) -> float:
    """Forward FLOPs of one pre-norm ViT block (1 multiply-add = 2 FLOPs).

    Linear layers: qkv ``3d^2``, output ``d^2``, MLP ``2 * ratio * d^2``
    multiply-adds per token; attention: ``QK^T`` and ``AV``, ``2 N^2 d``
    multiply-adds. Norms, softmax and activations are ignored (< 1%).
    """
    linear = tokens * width * width * (4 + 2 * mlp_ratio)
    attention = 2 * tokens * tokens * width
    return 2. * (linear + attention)


def stage1_flops(student_width: int = 768,
                 student_layers: int = 12,
                 teacher_width: int = 768,
                 teacher_layers: int = 12,
                 teacher_patch: int = 16,
                 teacher_res: int = 224,
                 teacher_out: int = 512,
                 num_aligned: int = 6,
                 img_size: int = 224,
                 patch: int = 16,
                 frames: int = 8,
                 mask_ratio: float = 0.8,
                 mlp_ratio: float = 4.) -> dict:
    """Analytic FLOPs per clip of one stage-1 training step.

    * teacher: forward only, on every frame (``1 + (res/patch)^2`` tokens
      including the class token), patch embedding, and the ``ln_post`` +
      projection of its ``num_aligned`` returned layers;
    * student: patch embedding of all ``T * L`` tokens, blocks on the
      ``T * (L - int(L * mask_ratio))`` kept tokens; backward counted as
      2x forward, so fwd+bwd = 3x forward (the patch embedding's input needs
      no gradient: 2x);
    * decoders: ``num_aligned`` linears student width -> teacher output on
      the kept tokens, fwd+bwd = 3x.

    Returns a dict of GFLOP per clip: ``teacher``, ``student``, ``decoder``,
    ``total``, and the kept token count ``kept_tokens``.
    """
    per_frame = (img_size // patch)**2
    kept = frames * (per_frame - int(per_frame * mask_ratio))
    s_embed = 2. * frames * per_frame * (3 * patch * patch) * student_width
    s_blocks = student_layers * vit_block_flops(kept, student_width,
                                                mlp_ratio)
    student = 3 * s_blocks + 2 * s_embed

    t_grid = (teacher_res // teacher_patch)**2
    t_embed = 2. * t_grid * (3 * teacher_patch**2) * teacher_width
    t_blocks = teacher_layers * vit_block_flops(t_grid + 1, teacher_width,
                                                mlp_ratio)
    t_proj = num_aligned * 2. * t_grid * teacher_width * teacher_out
    teacher = frames * (t_embed + t_blocks + t_proj)

    decoder = 3 * num_aligned * 2. * kept * student_width * teacher_out
    total = teacher + student + decoder
    return dict(teacher=teacher / 1e9, student=student / 1e9,
                decoder=decoder / 1e9, total=total / 1e9, kept_tokens=kept)


def flops_of_model(model) -> dict:
    """:func:`stage1_flops` with the sizes of a built ``UMTPretrain``."""
    bb, te = model.backbone, model.teacher
    t, h, w = bb.grid
    blk = bb.blocks[0]
    mlp_ratio = blk.mlp.fc1.out_features / bb.embed_dims
    patch = bb.patch_embed.proj.kernel_size[-1]
    return stage1_flops(
        student_width=bb.embed_dims, student_layers=bb.num_layers,
        teacher_width=te.class_embedding.shape[0],
        teacher_layers=len(te.transformer.resblocks),
        teacher_patch=te.patch_size, teacher_res=te.input_resolution,
        teacher_out=te.output_dim, num_aligned=bb.return_layers,
        img_size=h * patch, patch=patch, frames=t,
        mask_ratio=model.masker.mask_ratio, mlp_ratio=mlp_ratio)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def max_rss_mib() -> float:
    """Peak resident set size of this process (Linux: KiB) in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.


def load_config(path):
    from mmengine.config import Config
    return Config.fromfile(path if osp.isabs(path) else osp.join(
        REPO_ROOT, path))


def _quiet_logger(MMLogger):
    """Make a WARNING-level logger current (hides the init_weights report)."""
    if MMLogger.check_instance_created('umt_benchmark'):
        MMLogger.get_instance('umt_benchmark')
    else:
        MMLogger.get_instance('umt_benchmark', log_level='WARNING')


def build_stage1(model_name, teacher_dtype=None, cp_layers=0,
                 compile_blocks=False):
    """The stage-1 algorithm of a preset with random weights."""
    import umt_mm  # noqa: F401  (registers modules)
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope
    _quiet_logger(MMLogger)
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    cfg = load_config(PRESET_CONFIGS[model_name])
    cfg.model.teacher.pretrained = None
    if teacher_dtype:
        cfg.model.teacher.weights_dtype = DTYPES[teacher_dtype]
    if cp_layers:
        cfg.model.backbone.with_cp = True
        cfg.model.backbone.num_cp_layers = cp_layers
    if compile_blocks:
        cfg.model.backbone.compile_blocks = True
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model, cfg


def synthetic_batch(model, batch, device, seed=0):
    """uint8 clips on the device, in the format the preprocessor takes."""
    import torch
    from mmaction.structures import ActionDataSample
    t, h, w = model.backbone.grid
    patch = model.backbone.patch_embed.proj.kernel_size[-1]
    g = torch.Generator(device='cpu').manual_seed(seed)
    video = torch.randint(0, 256, (batch, 1, 3, t, h * patch, w * patch),
                          dtype=torch.uint8, generator=g).to(device)
    return dict(inputs=list(video.unbind(0)),
                data_samples=[ActionDataSample() for _ in range(batch)])


def build_optim_wrapper(model, dtype, device):
    """AdamW (the schedule's settings) in an (Amp)OptimWrapper."""
    import torch
    from mmengine.optim import build_optim_wrapper as build
    cfg = dict(type='OptimWrapper',
               optimizer=dict(type='AdamW', lr=1.5e-4, betas=(0.9, 0.95),
                              weight_decay=0.05))
    if dtype != 'fp32' and device == 'cuda':
        cfg = dict(cfg, type='AmpOptimWrapper', dtype=DTYPES[dtype])
        if dtype == 'bf16':
            cfg['loss_scale'] = 1.0  # no scaler needed for bf16
    wrapper = build(model, cfg)
    if dtype != 'fp32' and device != 'cuda':
        # AmpOptimWrapper is GPU-only in mmengine; autocast on CPU instead
        wrapper.optim_context = _cpu_autocast_context(
            wrapper.optim_context, getattr(torch, DTYPES[dtype]))
    return wrapper


def _cpu_autocast_context(inner, dtype):
    import contextlib
    import torch

    @contextlib.contextmanager
    def context(model):
        with inner(model), torch.autocast('cpu', dtype=dtype):
            yield

    return context


def fmt_mem(device, peak_bytes=None, rss_delta=None):
    if device == 'cuda':
        return f'peak GPU memory (max_memory_allocated): ' \
               f'{peak_bytes / 2**30:.2f} GiB'
    return f'process max RSS delta (CPU, not GPU memory): ' \
           f'{rss_delta:.0f} MiB'


# --------------------------------------------------------------------------
# train-step
# --------------------------------------------------------------------------
def cmd_train_step(args):
    import torch
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if device == 'cuda' and not torch.cuda.is_available():
        print('error: --device cuda but no CUDA device is available')
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rss0 = max_rss_mib()
    model, _ = build_stage1(args.model, args.teacher_dtype, args.cp_layers,
                            args.compile)
    model.to(device).train()
    wrapper = build_optim_wrapper(model, args.dtype, device)
    data = synthetic_batch(model, args.batch, device)
    flops = flops_of_model(model)

    def sync():
        if device == 'cuda':
            torch.cuda.synchronize()

    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    times, losses = [], []
    for i in range(args.warmup + args.steps):
        sync()
        start = time.perf_counter()
        log_vars = model.train_step(data, wrapper)
        sync()
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
            losses.append(float(log_vars['loss'].detach()))
    step = statistics.median(times)
    clips = args.batch / step
    print(f'train-step model={args.model} batch={args.batch} '
          f'dtype={args.dtype} teacher_dtype={args.teacher_dtype or "fp32"} '
          f'cp_layers={args.cp_layers} compile={args.compile} '
          f'device={device} ({_device_name(device)}) '
          f'threads={torch.get_num_threads()}')
    print(f'  steps timed: {len(times)} after {args.warmup} warm-up; '
          f'step ms median {step * 1e3:.1f} '
          f'(min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f})')
    print(f'  throughput: {clips:.2f} clips/s')
    if device == 'cuda':
        print('  ' + fmt_mem(device, torch.cuda.max_memory_allocated()))
    else:
        print('  ' + fmt_mem(device, rss_delta=max_rss_mib() - rss0))
    print(f"  analytic GFLOP/clip: total {flops['total']:.1f} (teacher "
          f"{flops['teacher']:.1f}, student fwd+bwd {flops['student']:.1f}, "
          f"decoders {flops['decoder']:.1f}; {flops['kept_tokens']} kept "
          'tokens)')
    print(f"  achieved: {clips * flops['total'] / 1e3:.4g} TFLOP/s")
    print(f'  last loss: {losses[-1]:.4f}')
    return 0


def _device_name(device):
    import torch
    if device == 'cuda':
        return torch.cuda.get_device_name()
    return f'CPU x{os.cpu_count()}'


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def make_kinetics_like(path, seed, seconds=10., fps=30, short_side=320,
                       aspect=16 / 9):
    """A Kinetics-like H.264 clip: panning textured scene, moving shapes,
    lighting changes, mild noise; libx264 defaults (keyint 250,
    B-frames), yuv420p, short side ``short_side``."""
    import av
    import cv2
    import numpy as np
    rng = np.random.default_rng(seed)
    h = short_side
    w = int(round(h * aspect / 2)) * 2
    big_h, big_w = h * 2, w * 2
    coarse = rng.uniform(0, 255, (big_h // 24, big_w // 24, 3))
    scene = cv2.resize(coarse.astype(np.float32), (big_w, big_h),
                       interpolation=cv2.INTER_CUBIC)
    detail = cv2.GaussianBlur(
        rng.normal(0, 25, (big_h, big_w, 3)).astype(np.float32), (0, 0), 1.2)
    scene = np.clip(scene + detail, 0, 255)
    n = int(seconds * fps)
    objects = [(rng.uniform(0, w), rng.uniform(0, h), rng.uniform(-4, 4),
                rng.uniform(-3, 3), int(rng.uniform(15, 50)),
                tuple(int(c) for c in rng.integers(0, 256, 3)))
               for _ in range(3)]
    with av.open(path, 'w') as out:
        stream = out.add_stream('libx264', rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, 'yuv420p'
        for i in range(n):
            phase = i / n
            x0 = int((big_w - w) * phase)
            y0 = int((big_h - h) * (0.5 + 0.4 * np.sin(2 * np.pi * phase)))
            img = scene[y0:y0 + h, x0:x0 + w] * (0.85 + 0.15 * np.sin(i / 25))
            img = img.astype(np.uint8)
            for x, y, vx, vy, r, col in objects:
                cv2.circle(img, (int(x + vx * i) % w, int(y + vy * i) % h), r,
                           col, -1)
            img = cv2.add(img, rng.integers(0, 3, img.shape, dtype=np.uint8))
            frame = av.VideoFrame.from_ndarray(img, format='rgb24')
            for pkt in stream.encode(frame):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)


def _gen_job(job):
    make_kinetics_like(*job)
    return job[0]


def generate_videos(out_dir, num, seconds, workers):
    os.makedirs(out_dir, exist_ok=True)
    jobs = [(osp.join(out_dir, f'clip_{i:04d}.mp4'), i, seconds)
            for i in range(num)]
    todo = [j for j in jobs if not osp.exists(j[0])]
    if todo:
        with get_context('fork').Pool(max(1, workers)) as pool:
            pool.map(_gen_job, todo)
    return [j[0] for j in jobs]


def baseline_loader(path, rng, crop_size, scales, threads=1):
    """The straightforward loader: decord opens the file, ``get_batch`` of 8
    segment-sampled frames at full resolution, one multi-scale crop, resize
    to ``crop_size``."""
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


def fast_pipeline_cfg(pipeline, threads=1):
    """The config's pipeline with DecordInit/DecordDecode replaced by
    FastVideoInit/FastSparseDecode (everything else untouched)."""
    out = []
    for step in pipeline:
        step = dict(step)
        if step['type'] in ('DecordInit', 'mmaction.DecordInit'):
            step = dict(type='FastVideoInit', num_threads=threads)
        elif step['type'] in ('DecordDecode', 'mmaction.DecordDecode'):
            step = dict(type='FastSparseDecode')
        out.append(step)
    return out


def _data_worker(job):
    """Time every method on this worker's files, interleaved, one thread."""
    paths, pipelines, crop_size, scales, seed, threads = job
    import cv2
    import numpy as np
    import torch
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    import umt_mm  # noqa: F401
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    composed = {k: Compose(v) for k, v in pipelines.items()}
    names = ['baseline'] + list(composed)
    times = {k: [] for k in names}
    rng = np.random.default_rng(seed)
    for i, path in enumerate(paths):
        order = names[i % len(names):] + names[:i % len(names)]
        for name in order:
            start = time.perf_counter()
            if name == 'baseline':
                out = baseline_loader(path, rng, crop_size, scales, threads)
                assert out.shape == (8, crop_size, crop_size, 3)
            else:
                res = composed[name](dict(filename=path, label=0,
                                          start_index=0, modality='RGB'))
                assert tuple(res['inputs'].shape[-2:]) == (crop_size,
                                                           crop_size)
            times[name].append(time.perf_counter() - start)
    return times


def run_data_benchmark(paths, pipelines, clips, workers, crop_size, scales,
                       threads=1):
    """clips/s per worker of every method; each worker cycles over files."""
    per_worker = max(1, clips // workers)
    jobs = []
    for w in range(workers):
        files = [paths[(w * per_worker + i) % len(paths)]
                 for i in range(per_worker)]
        jobs.append((files, pipelines, crop_size, scales, 1000 + w, threads))
    if workers == 1:
        results = [_data_worker(jobs[0])]
    else:
        with get_context('fork').Pool(workers) as pool:
            results = pool.map(_data_worker, jobs)
    summary = {}
    for name in results[0]:
        rates = [len(r[name]) / sum(r[name]) for r in results]
        all_t = [t for r in results for t in r[name]]
        summary[name] = dict(per_worker=statistics.median(rates),
                             ms_median=statistics.median(all_t) * 1e3,
                             n=len(all_t))
    return summary


def print_data_summary(title, summary):
    base = summary['baseline']['per_worker']
    print(title)
    for name, s in summary.items():
        print(f"  {name:28s} {s['per_worker']:7.2f} clips/s per worker  "
              f"(median {s['ms_median']:.1f} ms/clip, {s['n']} clips)  "
              f"x{s['per_worker'] / base:.2f} vs baseline")


def cmd_data(args):
    cfg = load_config(args.config)
    pipeline = cfg.train_pipeline
    crop = next(s for s in pipeline if s['type'] == 'MultiScaleCrop')
    crop_size = crop['input_size']
    crop_size = crop_size if isinstance(crop_size, int) else crop_size[0]
    scales = tuple(crop['scales'])
    tmp = None
    if args.videos:
        paths = sorted(
            osp.join(r, f) for r, _, fs in os.walk(args.videos) for f in fs
            if f.lower().endswith(('.mp4', '.mkv', '.webm', '.avi')))
        src_dir = args.videos
    else:
        src_dir = args.out_dir or tempfile.mkdtemp(prefix='umt_bench_')
        tmp = None if args.out_dir else src_dir
        start = time.time()
        paths = generate_videos(src_dir, args.num_videos, args.seconds,
                                args.workers)
        print(f'generated/reused {len(paths)} Kinetics-like clips '
              f'({args.seconds:g} s, 30 fps, short side 320, x264 defaults) '
              f'in {src_dir} ({time.time() - start:.1f} s)')
    if not paths:
        print(f'no videos found in {src_dir}')
        return 2
    pipelines = {'config pipeline (decord)': list(pipeline)}
    pipelines['config pipeline + fast decode'] = fast_pipeline_cfg(
        pipeline, args.threads)
    print(f'data benchmark: {len(paths)} files, {args.clips} clips, '
          f'{args.workers} worker process(es), {args.threads} decode '
          f'thread(s) per worker, {os.cpu_count()} CPU cores; methods '
          'interleaved per file')
    summary = run_data_benchmark(paths, pipelines, args.clips, args.workers,
                                 crop_size, scales, args.threads)
    print_data_summary('original files:', summary)
    ratio = summary['config pipeline + fast decode']['per_worker'] / \
        summary['baseline']['per_worker']
    print(f'  fast pipeline / baseline per worker: x{ratio:.2f} '
          f"(target x2.00: {'met' if ratio >= 2 else 'NOT met'})")
    if args.reencode:
        sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'data'))
        import reencode_videos
        dst = osp.join(tempfile.mkdtemp(prefix='umt_bench_g'), 'videos')
        rc = reencode_videos.main([src_dir, dst, '--gop', str(args.gop),
                                   '--workers', str(args.workers)])
        if rc:
            print('re-encoding failed')
            return rc
        re_paths = [osp.join(dst, osp.splitext(osp.relpath(p, src_dir))[0] +
                             '.mp4') for p in paths]
        size0 = sum(osp.getsize(p) for p in paths)
        size1 = sum(osp.getsize(p) for p in re_paths)
        print(f're-encoded (gop {args.gop}, no B-frames): size '
              f'{size1 / 2**20:.1f} MiB vs {size0 / 2**20:.1f} MiB')
        summary2 = run_data_benchmark(re_paths, pipelines, args.clips,
                                      args.workers, crop_size, scales,
                                      args.threads)
        print_data_summary(f're-encoded files (gop {args.gop}); "x" is vs '
                           'the baseline on the re-encoded files:', summary2)
        ratio = summary2['config pipeline + fast decode']['per_worker'] / \
            summary['baseline']['per_worker']
        print(f'  fast pipeline on re-encoded / baseline on original: '
              f'x{ratio:.2f}')
        shutil.rmtree(osp.dirname(dst), ignore_errors=True)
    if tmp and not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


# --------------------------------------------------------------------------
# test
# --------------------------------------------------------------------------
def build_test_backbone(model_name):
    """The stage-1 student as an inference encoder (all tokens, no mask)."""
    import umt_mm  # noqa: F401
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope
    from mmaction.registry import MODELS
    _quiet_logger(MMLogger)
    init_default_scope('mmaction')
    cfg = load_config(PRESET_CONFIGS[model_name]).model.backbone
    cfg.return_layers = 0
    cfg.drop_path_rate = 0.
    model = MODELS.build(cfg)
    model.init_weights()
    return model.eval()


def _views_worker(job):
    """Encode ``views`` clips; returns the wall time of the forward passes."""
    model_name, views, batch, threads, barrier = job
    import torch
    torch.set_num_threads(threads)
    model = build_test_backbone(model_name)
    t, h, w = model.grid
    size = h * model.patch_embed.proj.kernel_size[-1]
    x = torch.randn(batch, 3, t, size, size)
    with torch.inference_mode():
        model(x)  # warm-up
        barrier.wait()  # all processes start the timed part together
        start = time.perf_counter()
        for _ in range(max(1, views // batch)):
            model(x).mean(1)
    return time.perf_counter() - start


def cmd_test(args):
    import torch
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if device == 'cpu' and args.threads:
        torch.set_num_threads(args.threads)
    model = build_test_backbone(args.model).to(device)
    t, h, w = model.grid
    size = h * model.patch_embed.proj.kernel_size[-1]
    x = torch.randn(args.batch, 3, t, size, size, device=device)
    dtype = getattr(torch, DTYPES[args.dtype]) if args.dtype != 'fp32' \
        else None

    def sync():
        if device == 'cuda':
            torch.cuda.synchronize()

    times = []
    with torch.inference_mode(), torch.autocast(
            device, dtype=dtype or torch.float32, enabled=dtype is not None):
        for i in range(args.warmup + args.steps):
            sync()
            start = time.perf_counter()
            model(x)
            sync()
            if i >= args.warmup:
                times.append(time.perf_counter() - start)
    step = statistics.median(times)
    print(f'test model={args.model} (student backbone, {t}x{size}^2, all '
          f'tokens) batch={args.batch} dtype={args.dtype} device={device} '
          f'({_device_name(device)})')
    print(f'  forward ms median {step * 1e3:.1f} over {len(times)}; '
          f'throughput {args.batch / step:.2f} clips/s')
    if device != 'cpu' or args.procs <= 1:
        return 0
    # multi-view testing is embarrassingly parallel over views: time the
    # same number of views in 1 process and split over N processes
    views = args.views
    print(f'multi-view scaling: {views} views, batch {args.batch}, 1 thread '
          'per process')
    base = None
    ctx = get_context('spawn')
    for procs in (1, args.procs):
        per = views // procs
        with ctx.Manager() as manager, ctx.Pool(procs) as pool:
            barrier = manager.Barrier(procs)
            times = pool.map(_views_worker,
                             [(args.model, per, args.batch, 1, barrier)] *
                             procs)
        # start-up and model builds excluded; the slowest process bounds
        rate = per * procs / max(times)
        base = base or rate
        print(f'  {procs} process(es): {rate:.2f} views/s (timed part, '
              f'started together), x{rate / base:.2f}')
    return 0


# --------------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='cmd', required=True)

    p = sub.add_parser('train-step', help='stage-1 training step throughput')
    p.add_argument('--model', choices=sorted(PRESET_CONFIGS), default='b')
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--dtype', choices=sorted(DTYPES), default='bf16',
                   help='autocast dtype of the step (fp32: no autocast)')
    p.add_argument('--teacher-dtype', choices=['bf16', 'fp16'],
                   help='hold the teacher weights in this dtype')
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--device', choices=['cuda', 'cpu'])
    p.add_argument('--compile', action='store_true',
                   help='torch.compile the student blocks')
    p.add_argument('--cp-layers', type=int, default=0,
                   help='activation checkpointing of the first N blocks')
    p.add_argument('--threads', type=int, default=0,
                   help='torch CPU threads (0: default)')

    p = sub.add_parser('data', help='data loading throughput')
    p.add_argument('--config', default='configs/umt/stage1_vitb.py')
    p.add_argument('--videos', help='directory of videos (else generated)')
    p.add_argument('--num-videos', type=int, default=8)
    p.add_argument('--seconds', type=float, default=10.,
                   help='length of generated clips')
    p.add_argument('--out-dir', help='keep generated clips here (reused)')
    p.add_argument('--keep', action='store_true',
                   help='keep the generated temporary clips')
    p.add_argument('--workers', type=int, default=1)
    p.add_argument('--clips', type=int, default=32,
                   help='clips per method in total')
    p.add_argument('--threads', type=int, default=1,
                   help='decoder threads per worker (both loaders)')
    p.add_argument('--reencode', action='store_true',
                   help='also measure files re-encoded by '
                   'tools/data/reencode_videos.py')
    p.add_argument('--gop', type=int, default=16)

    p = sub.add_parser('test', help='inference throughput')
    p.add_argument('--model', choices=sorted(PRESET_CONFIGS), default='b')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--dtype', choices=sorted(DTYPES), default='fp32')
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--device', choices=['cuda', 'cpu'])
    p.add_argument('--threads', type=int, default=0)
    p.add_argument('--procs', type=int, default=2,
                   help='CPU only: also compare 1 vs N processes')
    p.add_argument('--views', type=int, default=32)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return dict(data=cmd_data, test=cmd_test)[args.cmd](args) \
        if args.cmd != 'train-step' else cmd_train_step(args)


if __name__ == '__main__':
    sys.exit(main())
