"""Inference throughput of the stage-1 student and multi-view scaling."""
import statistics
import time
from multiprocessing import get_context

from .train_step import DTYPES, PRESET_CONFIGS, device_name, load_config


def build_test_backbone(model_name):
    """The stage-1 student as an inference encoder (all tokens, no mask)."""
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope

    import umt_mm  # noqa: F401
    from .train_step import quiet_logger
    quiet_logger()
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


def measure_inference(model='b', batch=8, dtype='fp32', steps=10, warmup=2,
                      device=None, threads=0):
    """Forward throughput of the student on random clips.

    Returns:
        dict: ``forward_ms`` (median), ``clips_per_s``, settings.
    """
    import torch
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if device == 'cpu' and threads:
        torch.set_num_threads(threads)
    net = build_test_backbone(model).to(device)
    t, h, _ = net.grid
    size = h * net.patch_embed.proj.kernel_size[-1]
    x = torch.randn(batch, 3, t, size, size, device=device)
    amp = DTYPES[dtype]
    times = []
    with torch.inference_mode(), torch.autocast(
            device, dtype=getattr(torch, amp or 'float32'),
            enabled=amp is not None):
        for i in range(warmup + steps):
            if device == 'cuda':
                torch.cuda.synchronize()
            start = time.perf_counter()
            net(x)
            if device == 'cuda':
                torch.cuda.synchronize()
            if i >= warmup:
                times.append(time.perf_counter() - start)
    step = statistics.median(times)
    return dict(model=model, frames=t, size=size, batch=batch, dtype=dtype,
                device=device, device_name=device_name(device),
                forward_ms=step * 1e3, steps=len(times),
                clips_per_s=batch / step)


def multi_view_scaling(model='b', views=32, batch=8, procs=2):
    """views/s of 1 process vs ``procs`` processes (1 thread each)."""
    ctx = get_context('spawn')
    out = {}
    for n in (1, procs):
        per = views // n
        with ctx.Manager() as manager, ctx.Pool(n) as pool:
            barrier = manager.Barrier(n)
            times = pool.map(_views_worker,
                             [(model, per, batch, 1, barrier)] * n)
        # start-up and model builds excluded; the slowest process bounds
        out[n] = per * n / max(times)
    return out
