"""One GPU check (``tools/analysis/gpu_check.sh``) writing one JSON.

1. stage-1 train step, ViT-B batch 64 and ViT-L batch 32, bf16 autocast,
   each speed option off and on (teacher weights in bf16, activation
   checkpointing (ViT-L), ``torch.compile`` on top of bf16 teacher weights);
2. the data benchmark with the machine's cores (up to 16 workers) on
   natural clips, for the candidate formats ``DATA_FORMATS``;
3. 100 iterations of the real runner (``configs/umt/stage1_vitb.py`` with
   the frame-shard pipeline) on JPEG q90 frame shards of those clips:
   clips/s end to end and the fraction of time spent waiting for data;
4. whether DeepSpeed is importable and the strategy configs build.

``tiny=True`` runs the same code on the CPU with the demo model, a few
steps and 1-second clips (what the tests run).
"""
import json
import os
import os.path as osp
import tempfile
import time
import traceback

from mmengine.hooks import Hook

from ..registry import HOOKS

TARGETS = {
    'b': dict(clips_per_s=480, peak_mem_gib=12.7),
    'l': dict(clips_per_s=180, peak_mem_gib=18.0),
}
# each option against the run without it: teacher_bf16 vs off, cp4 vs off,
# all_on (teacher_bf16 + compile) vs teacher_bf16; one compilation per
# model keeps the check within 8 minutes
VARIANTS = {
    'off': dict(),
    'teacher_bf16': dict(teacher_dtype='bf16'),
    'cp4': dict(cp_layers=4),
    'all_on': dict(teacher_dtype='bf16', compile_blocks=True),
}


@HOOKS.register_module()
class DataWaitHook(Hook):
    """Per iteration: wall time and time between the end of one iteration
    and the start of the next (the wait for the next batch)."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.begin, self.end = [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.begin.append(time.perf_counter())

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.end.append(time.perf_counter())

    def summary(self, skip: int) -> dict:
        """Totals over the iterations after the first ``skip``."""
        total = self.end[-1] - self.end[skip]
        pairs = zip(self.begin[skip + 1:], self.end[skip:])
        wait = sum(b - e for b, e in pairs)
        n = len(self.end) - 1 - skip
        return dict(iters=n, seconds=total, data_wait_fraction=wait / total)


def _safe(fn, *args, **kwargs):
    """``fn(...)``, or ``{'error': ...}`` so one failure keeps the rest."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # recorded in the JSON
        return dict(error=f'{type(e).__name__}: {e}',
                    traceback=traceback.format_exc(limit=4))


def train_steps(tiny: bool) -> dict:
    """Every speed option off / on for ViT-B and ViT-L (tiny: demo)."""
    from .train_step import measure_train_step
    out = {}
    models = {'tiny': 2} if tiny else {'b': 64, 'l': 32}
    steps, warmup = (2, 1) if tiny else (15, 5)
    for model, batch in models.items():
        out[model] = {}
        for name, opts in VARIANTS.items():
            if name == 'cp4' and model == 'b':
                continue  # ViT-B fits without checkpointing
            if tiny and 'compile_blocks' in opts:
                continue  # minutes of compilation on a CPU
            out[model][name] = _safe(measure_train_step, model, batch,
                                     'bf16', steps=steps, warmup=warmup,
                                     device='cpu' if tiny else None,
                                     **opts)
    return out


def runner_end_to_end(work_dir: str, src_root: str, prepared: str,
                      keys, tiny: bool, workers: int) -> dict:
    """Iterations of the real runner on frame shards; data wait share."""
    import torch
    from mmaction.registry import RUNNERS
    from mmengine.runner import Runner

    from .train_step import PRESET_CONFIGS, load_config
    cfg = load_config(PRESET_CONFIGS['tiny' if tiny else 'b'])
    iters, batch = (4, 2) if tiny else (100, 64)
    ann = osp.join(work_dir, 'e2e_list.txt')
    with open(ann, 'w') as f:
        f.writelines(f'{k} 0\n' for k in keys)
    cfg.train_dataloader = dict(
        batch_size=batch, num_workers=workers,
        persistent_workers=workers > 0, pin_memory=not tiny,
        prefetch_factor=4 if workers else None,
        sampler=dict(type='InfiniteSampler', shuffle=True),
        dataset=dict(type='PreparedVideoDataset', prepared_root=prepared,
                     ann_file=ann, data_prefix=dict(video=prepared),
                     pipeline=cfg.train_pipeline))
    cfg.model.teacher.pretrained = None
    cfg.model.teacher.weights_dtype = 'bfloat16'
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.param_scheduler = []
    cfg.auto_scale_lr = dict(enable=False)
    opt = cfg.optim_wrapper.optimizer
    cfg.optim_wrapper = dict(type='OptimWrapper', optimizer=opt) if tiny \
        else dict(type='AmpOptimWrapper', dtype='bfloat16', loss_scale=1.0,
                  optimizer=opt)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                        interval=10**9)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=20)
    cfg.log_processor = dict(by_epoch=False)
    cfg.custom_hooks = [dict(type='DataWaitHook')]
    cfg.work_dir = osp.join(work_dir, 'e2e_run')
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    runner = RUNNERS.build(cfg) if cfg.get('runner_type') else \
        Runner.from_cfg(cfg)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, DataWaitHook))
    res = hook.summary(skip=1 if tiny else 10)
    res.update(batch=batch, workers=workers,
               clips_per_s=batch * res['iters'] / res['seconds'],
               device='cuda' if torch.cuda.is_available() else 'cpu')
    return res


def strategies() -> dict:
    """DeepSpeed importable? Strategy configs build?"""
    from .train_step import REPO_ROOT, load_config
    out = {}
    try:
        import deepspeed
        out['deepspeed'] = deepspeed.__version__
    except ImportError as e:
        out['deepspeed'] = f'not installed ({e})'
    folder = osp.join(REPO_ROOT, 'configs', '_base_', 'strategies')
    for name in sorted(os.listdir(folder)):
        if name.startswith('umt-'):
            cfg = _safe(load_config, osp.join(folder, name))
            out[name] = cfg if isinstance(cfg, dict) and 'error' in cfg \
                else cfg.strategy.type
    return out


def checks(result: dict) -> dict:
    """The issue's targets against the measured figures (GPU runs)."""
    out = {}
    for model, target in TARGETS.items():
        runs = result['train_step'].get(model, {})
        ok = [r for r in runs.values() if 'clips_per_s' in r]
        if not ok:
            continue
        best = max(ok, key=lambda r: r['clips_per_s'])
        out[f'vit_{model}_best_clips_per_s'] = best['clips_per_s']
        out[f'vit_{model}_clips_target_met'] = \
            best['clips_per_s'] >= target['clips_per_s']
        out[f'vit_{model}_memory_target_met'] = \
            best.get('peak_mem_gib', 1e9) <= target['peak_mem_gib']
    e2e = result.get('runner', {})
    bare = result['train_step'].get('b', {}).get('teacher_bf16', {})
    if 'clips_per_s' in e2e and 'clips_per_s' in bare:
        out['end_to_end_vs_bare'] = e2e['clips_per_s'] / bare['clips_per_s']
        out['end_to_end_within_10pct'] = out['end_to_end_vs_bare'] >= 0.9
    return out


def run_gpu_check(out_file: str, tiny: bool = False, work_dir=None) -> dict:
    """Run every part and write the JSON to ``out_file`` (atomically).

    Args:
        out_file (str): The JSON to write.
        tiny (bool): CPU mode with the demo model. Defaults to False.
        work_dir (str, optional): Scratch directory. Defaults to a
            temporary one.
    """
    import shutil

    import torch

    from umt_mm.datasets.frame_shards import write_json_atomic
    from .data import data_benchmark, format_root
    start = time.time()
    cores = os.cpu_count() or 1
    workers = 1 if tiny else min(cores, 16)
    tmp = None
    if work_dir is None:
        work_dir = tmp = tempfile.mkdtemp(prefix='umt_gpu_check_')
    result = dict(
        device=torch.cuda.get_device_name() if torch.cuda.is_available()
        else f'CPU x{cores}', tiny=tiny, cpu_count=cores,
        torch=torch.__version__)
    try:
        result['train_step'] = train_steps(tiny)
        num, seconds = (2, 1.) if tiny else (2 * workers, 10.)
        result['data'] = _safe(
            data_benchmark, PRESET_CONFIGS_FOR_DATA[tiny], None, num,
            seconds, work_dir, workers, 2 if tiny else 12 * workers,
            content='natural', formats=DATA_FORMATS, psnr_seeds=1)
        src = osp.join(work_dir, 'videos_natural')
        prepared = format_root(work_dir, DATA_FORMATS[0])
        keys = sorted(f for f in os.listdir(src) if f.endswith('.mp4'))
        result['runner'] = _safe(runner_end_to_end, work_dir, src, prepared,
                                 keys, tiny, 0 if tiny else workers - 2)
        result['strategies'] = strategies()
        result['checks'] = checks(result)
    finally:
        result['seconds'] = time.time() - start
        write_json_atomic(out_file, result)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return result


# candidate formats of docs/benchmark.md (the first also feeds the runner)
DATA_FORMATS = ('jpeg:q90', 'jpeg:q75:s256', 'shards-h264:g4',
                'shards-h264:g4:s256')

PRESET_CONFIGS_FOR_DATA = {
    True: 'configs/umt/stage1_demo.py',
    False: 'configs/umt/stage1_vitb.py'
}


def main(argv=None):
    """``python -m umt_mm.benchmark.gpu_check OUT.json [--tiny]``."""
    import argparse
    p = argparse.ArgumentParser(description='UMT GPU check (one JSON)')
    p.add_argument('out', help='JSON file to write')
    p.add_argument('--tiny', action='store_true',
                   help='CPU mode with the demo model (for tests)')
    p.add_argument('--work-dir', help='scratch directory (kept)')
    a = p.parse_args(argv)
    r = run_gpu_check(a.out, a.tiny, a.work_dir)
    print(json.dumps(r.get('checks', {}), indent=1))
    print(f"wrote {a.out} ({r['seconds']:.0f} s)")
    return 0


if __name__ == '__main__':
    import sys
    sys.exit(main())
