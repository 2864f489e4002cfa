"""What tools/train.py and tools/test.py do, as library calls."""
import os.path as osp

import torch
from mmaction.registry import RUNNERS
from mmengine.config import Config

from .dist import setup_cpu_distributed

CPU_AMP_WRAPPER = 'CPUAmpOptimWrapper'
RESUME_AUTO_OR_NEW = 'auto-or-new'


def _work_dir(cfg, config, work_dir):
    # priority: CLI > config > work_dirs/<config stem>
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])


def train_config(config, work_dir=None, resume=None, amp=False,
                 no_validate=False, auto_scale_lr=False, seed=None,
                 diff_rank_seed=False, deterministic=False, launcher='none',
                 cfg_options=None):
    """Load a training config and apply the command-line options.

    Args:
        config (str): Config file.
        work_dir (str, optional): Overrides the config's work dir.
        resume (str, optional): 'auto' (latest checkpoint of the work dir,
            an error when there is none), 'auto-or-new' (a new run when
            there is none) or a checkpoint path. Defaults to None.
        amp (bool): Mixed precision (fp16 + loss scaling on GPU, bfloat16
            autocast on CPU). Defaults to False.
        no_validate (bool): Drop the validation loop. Defaults to False.
        auto_scale_lr (bool): Enable ``auto_scale_lr``. Defaults to False.
        seed (int, optional): Overrides ``randomness.seed``.
        diff_rank_seed (bool): Sets ``randomness.diff_rank_seed``.
        deterministic (bool): Sets ``randomness.deterministic``.
        launcher (str): Job launcher. Defaults to 'none'.
        cfg_options (dict, optional): Merged last.

    Returns:
        Config: The config to build the runner from.
    """
    cfg = Config.fromfile(config)
    if no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = launcher
    _work_dir(cfg, config, work_dir)
    if amp:
        wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper_type not in ('OptimWrapper', 'AmpOptimWrapper',
                                CPU_AMP_WRAPPER):
            raise ValueError(f'--amp does not support the optimizer wrapper '
                             f'{wrapper_type!r} (optim_wrapper.type)')
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:
            cfg.optim_wrapper.type = CPU_AMP_WRAPPER
            cfg.optim_wrapper.pop('loss_scale', None)
            cfg.optim_wrapper.dtype = 'bfloat16'
    if resume in ('auto', RESUME_AUTO_OR_NEW):
        cfg.resume = resume
        cfg.load_from = None
    elif resume is not None:
        cfg.resume = True
        cfg.load_from = resume
    if auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise KeyError('--auto-scale-lr needs `auto_scale_lr` '
                           '(base_batch_size) in the config')
        cfg.auto_scale_lr.enable = True
    # command-line randomness options win over the config's `randomness`
    if cfg.get('randomness', None) is None:
        cfg.randomness = dict(seed=seed)
    elif seed is not None:
        cfg.randomness.seed = seed
    if diff_rank_seed:
        cfg.randomness.diff_rank_seed = True
    if deterministic:
        cfg.randomness.deterministic = True
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    return cfg


def test_config(config, checkpoint, work_dir=None, dump=None,
                launcher='none', cfg_options=None):
    """Load a config for testing ``checkpoint`` with its test loop.

    Args:
        config (str): Config file.
        checkpoint (str): Checkpoint to test (``load_from``).
        work_dir (str, optional): Overrides the config's work dir.
        dump (str, optional): Also dump predictions to this ``.pkl``.
        launcher (str): Job launcher. Defaults to 'none'.
        cfg_options (dict, optional): Merged first.

    Returns:
        Config: The config to build the runner from.
    """
    cfg = Config.fromfile(config)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if cfg.get('test_dataloader', None) is None or cfg.get(
            'test_cfg', None) is None:
        raise SystemExit(
            f'{config} defines no test loop (test_dataloader / test_cfg / '
            'test_evaluator); nothing to test')
    if dump is not None:
        if not dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump {dump}: the file must end in .pkl')
        dump_metric = dict(type='DumpResults', out_file_path=dump)
        if isinstance(cfg.test_evaluator, (list, tuple)):
            cfg.test_evaluator = list(cfg.test_evaluator) + [dump_metric]
        else:
            cfg.test_evaluator = [cfg.test_evaluator, dump_metric]
    cfg.launcher = launcher
    _work_dir(cfg, config, work_dir)
    cfg.load_from = checkpoint
    cfg.resume = False
    return cfg


def build_runner(cfg):
    """Build the config's runner (``UMTRunner`` unless ``runner_type`` says
    otherwise), setting up CPU distributed training first when needed.

    Args:
        cfg (Config): A config from :func:`train_config` or
            :func:`test_config`.

    Returns:
        Runner: The runner.
    """
    notes = setup_cpu_distributed(cfg, cfg.get('launcher', 'none'))
    if cfg.get('runner_type', None) is None:
        cfg.runner_type = 'UMTRunner'
    runner = RUNNERS.build(cfg)
    for note in notes:
        runner.logger.info(note)
    wrapper = (cfg.get('optim_wrapper') or {}).get('type')
    if wrapper == CPU_AMP_WRAPPER:
        runner.logger.info(f'--amp without CUDA: bfloat16 CPU autocast '
                           f'({CPU_AMP_WRAPPER}), no loss scaling')
    return runner


def metrics_table(metrics):
    """The metrics of a test run as a two-column text table.

    Args:
        metrics (dict): Metric name -> value.

    Returns:
        str: The table (empty string for no metrics).
    """
    if not metrics:
        return ''
    rows = [(str(k), f'{v:.4f}' if isinstance(v, float) else str(v))
            for k, v in metrics.items()]
    width = max(len('Metric'), *(len(k) for k, _ in rows))
    vwidth = max(len('Value'), *(len(v) for _, v in rows))
    rule = f'+-{"-" * width}-+-{"-" * vwidth}-+'
    lines = [rule, f'| {"Metric":<{width}} | {"Value":>{vwidth}} |', rule]
    lines += [f'| {k:<{width}} | {v:>{vwidth}} |' for k, v in rows]
    return '\n'.join(lines + [rule])
