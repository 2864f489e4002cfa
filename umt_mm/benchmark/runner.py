"""Per-iteration overhead of the mmengine runner over the bare train step.

The runner trains a config's model on clips held in memory (no decoding, no
worker processes), so an iteration is: fetch + collate, data preprocessor,
forward/backward/optimizer step, hooks (timer, logger, scheduler, ...).
The bare step is the forward/backward/optimizer step alone on the
already-preprocessed batch.

Two measurements, both in one process:

* paired (the figure): inside every runner iteration the step itself is
  timed (the loop's train step, i.e. forward, backward, optimizer update
  and the release of the autograd graph, minus the data preprocessor in
  it), so the runner's own work of that iteration is its wall time minus
  its step;
  the overhead is the median of that over the median step. Both parts of a
  pair run under the same conditions, which removes the drift between
  separately timed loops (allocator state, CPU frequency, neighbours);
* separate loops: bare steps timed before and after the runner, ratio of
  the median runner iteration to the median bare step (noisy on a shared
  CPU: -10% to +30% here for the same code).
"""
import statistics
import tempfile
import time

import torch
from mmengine.hooks import Hook
from torch.utils.data import Dataset

from ..registry import DATASETS, HOOKS


@DATASETS.register_module()
class InMemoryClips(Dataset):
    """``num`` random uint8 clips ``(1, 3, T, H, W)``, already packed with
    their (empty) data samples: reading one costs no pipeline work, so the
    runner's own work is what is left of an iteration.

    Args:
        num (int): Length of the dataset.
        shape (tuple): ``(T, H, W)``.
        seed (int): Seed of the pixel values. Defaults to 0.
    """

    def __init__(self, num: int, shape, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        t, h, w = shape
        self.clips = torch.randint(0, 256, (num, 1, 3, t, h, w),
                                   dtype=torch.uint8, generator=g)
        from mmaction.structures import ActionDataSample
        self.samples = [ActionDataSample() for _ in range(num)]

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i):
        return dict(inputs=self.clips[i], data_samples=self.samples[i])


@HOOKS.register_module()
class IterWallTimeHook(Hook):
    """Records the wall time between consecutive ``after_train_iter`` and,
    inside each iteration, the train step's own time.

    The step is the training loop's ``train_step`` (the model's
    ``train_step``: forward, losses, backward, optimizer update, and the
    release of the autograd graph) minus the data preprocessor's call in
    it: the bare step's work, without fetching, preprocessing and hooks.
    """

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.stamps, self.steps = [], []
        self._pre = 0.0

    def before_train(self, runner) -> None:
        loop, model = runner.train_loop, runner.model
        owner = loop if hasattr(loop, 'train_step') else model
        train_step = owner.train_step
        preprocessor = model.data_preprocessor
        forward = preprocessor.forward

        def timed_preprocessor(*args, **kwargs):
            start = time.perf_counter()
            out = forward(*args, **kwargs)
            self._pre += time.perf_counter() - start
            return out

        def timed_step(*args, **kwargs):
            self._pre = 0.0
            start = time.perf_counter()
            out = train_step(*args, **kwargs)
            self.steps.append(time.perf_counter() - start - self._pre)
            return out

        preprocessor.forward = timed_preprocessor
        owner.train_step = timed_step

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.stamps.append(time.perf_counter())

    @property
    def times(self):
        return [b - a for a, b in zip(self.stamps, self.stamps[1:])]

    @property
    def own_times(self):
        """Per iteration after the first: wall time minus its step."""
        return [t - s for t, s in zip(self.times, self.steps[1:])]


def _preprocessor_times(model, batch, iters):
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        model.data_preprocessor(batch, True)
        times.append(time.perf_counter() - start)
    return times


def _bare_times(model, wrapper, batch, iters):
    data = model.data_preprocessor(batch, True)
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        with wrapper.optim_context(model):
            losses = model(**data, mode='loss')
        loss, _ = model.parse_losses(losses)
        wrapper.update_params(loss)
        times.append(time.perf_counter() - start)
    return times


def runner_overhead(config: str = 'configs/umt/stage1_demo.py',
                    iters: int = 40, batch: int = 4, warmup: int = 5,
                    log_interval: int = 10) -> dict:
    """Median runner iteration vs median bare step (CPU, one process).

    Args:
        config (str): Stage-1 config (its model, optimizer, hooks, logger
            and data preprocessor are used). Defaults to the tiny demo.
        iters (int): Timed iterations of each. Defaults to 40.
        batch (int): Clips per iteration. Defaults to 4.
        warmup (int): Untimed iterations first. Defaults to 5.
        log_interval (int): ``LoggerHook`` interval. Defaults to 10.

    Returns:
        dict: medians ``runner_ms`` (iteration), ``step_ms`` (the step
        inside it), ``own_ms`` (iteration minus its step), ``bare_ms``
        (separate bare loop), ``preprocessor_ms``; ``overhead``
        (``own_ms / step_ms``, paired), ``overhead_vs_bare``
        (``runner_ms / bare_ms - 1``), settings.
    """
    from mmaction.registry import RUNNERS
    from mmengine.runner import Runner

    import umt_mm  # noqa: F401
    from .train_step import load_config, quiet_logger
    quiet_logger()
    cfg = load_config(config)
    bb = cfg.model.backbone
    shape = (bb.num_frames, bb.img_size, bb.img_size)
    cfg.model.teacher.pretrained = None
    total = warmup + iters + 1
    cfg.train_dataloader = dict(
        batch_size=batch, num_workers=0,
        sampler=dict(type='InfiniteSampler', shuffle=False),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(type='InMemoryClips', num=batch * 4, shape=shape))
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=total)
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                        interval=10**9)
    cfg.default_hooks.logger = dict(type='LoggerHook',
                                    interval=log_interval)
    cfg.log_processor = dict(by_epoch=False)
    cfg.custom_hooks = [dict(type='IterWallTimeHook')]
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(seed=0)
    with tempfile.TemporaryDirectory(prefix='umt_overhead_') as work_dir:
        cfg.work_dir = work_dir
        runner = RUNNERS.build(cfg) if cfg.get('runner_type') else \
            Runner.from_cfg(cfg)
        model = runner.model
        batch_data = next(iter(runner.build_dataloader(
            cfg.train_dataloader)))
        wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
        model.train()
        bare = _bare_times(model, wrapper, batch_data, warmup + iters)
        runner.train()
        hook = next(h for h in runner.hooks
                    if isinstance(h, IterWallTimeHook))
        bare += _bare_times(model, wrapper, batch_data, iters)
        pre = _preprocessor_times(model, batch_data, iters)
    bare = bare[warmup:]
    run = hook.times[warmup:]

    def ms(values):
        return statistics.median(values) * 1e3

    bare_ms, run_ms = ms(bare), ms(run)
    step_ms, own_ms = ms(hook.steps[warmup + 1:]), ms(hook.own_times[warmup:])
    return dict(config=config, batch=batch, iters=len(run),
                threads=torch.get_num_threads(), runner_ms=run_ms,
                step_ms=step_ms, own_ms=own_ms, overhead=own_ms / step_ms,
                bare_ms=bare_ms, overhead_vs_bare=run_ms / bare_ms - 1,
                preprocessor_ms=ms(pre), log_interval=log_interval)
