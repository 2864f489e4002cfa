"""Stage-1 training-step timing on synthetic batches (GPU or CPU)."""
import os
import os.path as osp
import resource
import statistics
import time

from .flops import flops_of_model

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PRESET_CONFIGS = {
    'tiny': 'configs/umt/stage1_demo.py',
    'b': 'configs/umt/stage1_vitb.py',
    'l': 'configs/umt/stage1_vitl.py',
}
DTYPES = {'fp32': None, 'bf16': 'bfloat16', 'fp16': 'float16'}


def max_rss_mib() -> float:
    """Peak resident set size of this process (Linux: KiB) in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.


def load_config(path):
    """A config by path (not found from here: from the repository root)."""
    from mmengine.config import Config
    return Config.fromfile(path if osp.exists(path) else osp.join(
        REPO_ROOT, path))


def quiet_logger():
    """Make a WARNING-level logger current (hides the init_weights report)."""
    from mmengine.logging import MMLogger
    if MMLogger.check_instance_created('umt_benchmark'):
        MMLogger.get_instance('umt_benchmark')
    else:
        MMLogger.get_instance('umt_benchmark', log_level='WARNING')


def build_stage1(model_name, teacher_dtype=None, cp_layers=0,
                 compile_blocks=False):
    """The stage-1 algorithm of a preset with random weights.

    Returns:
        tuple: ``(model, cfg)``.
    """
    from mmengine.registry import init_default_scope

    import umt_mm  # noqa: F401  (registers modules)
    quiet_logger()
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


def device_name(device):
    """GPU name, or ``CPU xN``."""
    import torch
    if device == 'cuda':
        return torch.cuda.get_device_name()
    return f'CPU x{os.cpu_count()}'


def measure_train_step(model='b', batch=64, dtype='bf16', teacher_dtype=None,
                       cp_layers=0, compile_blocks=False, steps=20,
                       warmup=5, device=None, threads=0):
    """Time ``model.train_step`` on one synthetic uint8 batch.

    Args:
        model (str): Preset (``tiny``, ``b``, ``l``). Defaults to ``'b'``.
        batch (int): Clips per step. Defaults to 64.
        dtype (str): Autocast dtype (``fp32``: none). Defaults to ``'bf16'``.
        teacher_dtype (str, optional): Teacher weights dtype. Defaults to
            None (fp32).
        cp_layers (int): Activation checkpointing of the first N blocks.
            Defaults to 0.
        compile_blocks (bool): ``torch.compile`` the student blocks.
            Defaults to False.
        steps (int): Timed steps. Defaults to 20.
        warmup (int): Untimed steps first. Defaults to 5.
        device (str, optional): ``cuda`` or ``cpu``. Defaults to the GPU
            when there is one.
        threads (int): CPU threads (0: torch default). Defaults to 0.

    Returns:
        dict: ``clips_per_s``, ``step_ms`` (median), ``step_ms_min``,
        ``step_ms_max``, ``peak_mem_gib`` (GPU) or ``rss_delta_mib`` (CPU),
        ``gflop_per_clip``, ``tflops``, ``last_loss`` and the settings.
    """
    import torch
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if device == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('device=cuda but no CUDA device is available')
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    rss0 = max_rss_mib()
    net, _ = build_stage1(model, teacher_dtype, cp_layers, compile_blocks)
    net.to(device).train()
    wrapper = build_optim_wrapper(net, dtype, device)
    data = synthetic_batch(net, batch, device)
    flops = flops_of_model(net)

    def sync():
        if device == 'cuda':
            torch.cuda.synchronize()

    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    times, loss = [], None
    for i in range(warmup + steps):
        sync()
        start = time.perf_counter()
        log_vars = net.train_step(data, wrapper)
        sync()
        if i >= warmup:
            times.append(time.perf_counter() - start)
            loss = float(log_vars['loss'].detach())
    step = statistics.median(times)
    out = dict(model=model, batch=batch, dtype=dtype,
               teacher_dtype=teacher_dtype or 'fp32', cp_layers=cp_layers,
               compile=compile_blocks, device=device,
               device_name=device_name(device),
               threads=torch.get_num_threads(), steps=len(times),
               warmup=warmup, step_ms=step * 1e3,
               step_ms_min=min(times) * 1e3, step_ms_max=max(times) * 1e3,
               clips_per_s=batch / step,
               gflop_per_clip=flops['total'],
               gflop_parts={k: flops[k]
                            for k in ('teacher', 'student', 'decoder')},
               kept_tokens=flops['kept_tokens'],
               tflops=batch / step * flops['total'] / 1e3, last_loss=loss)
    if device == 'cuda':
        out['peak_mem_gib'] = torch.cuda.max_memory_allocated() / 2**30
    else:
        out['rss_delta_mib'] = max_rss_mib() - rss0
    del net, wrapper, data
    if device == 'cuda':
        torch.cuda.empty_cache()
    return out
