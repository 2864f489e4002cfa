#!/usr/bin/env python
"""Train a umt_mm model (mmaction2 1.x / mmengine Runner).

Examples::

    # single process (GPU if available, else CPU)
    python tools/train.py configs/umt/stage1_demo.py
    # resume from the latest checkpoint in the work dir / from a given one
    python tools/train.py CONFIG --resume
    python tools/train.py CONFIG --resume work_dirs/x/epoch_1.pth
    # distributed: tools/dist_train.sh CONFIG NUM_PROCS [args]

Works distributed on CPU-only machines as well (gloo backend, DDP without
device ids), see :func:`setup_cpu_distributed`.
"""
import argparse
import datetime
import os
import os.path as osp
import sys
from contextlib import contextmanager

import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import umt_mm  # noqa: E402,F401  (compat fixes + registration first)
from mmaction.registry import OPTIM_WRAPPERS, RUNNERS  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.dist import is_main_process  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

CPU_AMP_WRAPPER = 'CPUAmpOptimWrapper'


class CPUAmpOptimWrapper(OptimWrapper):
    """Mixed precision on CPU: bfloat16 autocast, no loss scaling.

    mmengine's ``AmpOptimWrapper`` asserts a GPU/NPU/MLU/MUSA device in its
    constructor, and fp16 autocast plus ``GradScaler`` are GPU features. CPU
    autocast only supports bfloat16, which has float32's exponent range, so
    gradients need no scaling and the plain optimizer step is kept.
    """

    def __init__(self, dtype='bfloat16', **kwargs):
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype)
        if dtype != torch.bfloat16:
            raise ValueError(
                f'CPU autocast only supports bfloat16, got {dtype}')
        super().__init__(**kwargs)
        self.cast_dtype = dtype

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield


if CPU_AMP_WRAPPER not in OPTIM_WRAPPERS.module_dict:
    OPTIM_WRAPPERS.register_module(
        name=CPU_AMP_WRAPPER, module=CPUAmpOptimWrapper)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a umt_mm model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint; without a value, resume from '
        'the latest checkpoint in the work directory')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (fp16 + loss scaling on GPU, '
        'bfloat16 autocast on CPU)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by real batch size / auto_scale_lr.base_batch_size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='use different seeds for different ranks')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='set deterministic options for the CUDNN backend')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value pairs merged into the '
        'config, e.g. train_cfg.max_epochs=2 or key="[a,b]"')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Merge CLI arguments into the config (CLI options win, applied last)."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    cfg.launcher = args.launcher

    # work_dir priority: CLI > config > work_dirs/<config stem>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        assert wrapper_type in ('OptimWrapper', 'AmpOptimWrapper',
                                CPU_AMP_WRAPPER), (
            f'--amp does not support the optimizer wrapper `{wrapper_type}`')
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:
            cfg.optim_wrapper.type = CPU_AMP_WRAPPER
            cfg.optim_wrapper.pop('loss_scale', None)
            cfg.optim_wrapper.dtype = 'bfloat16'

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.auto_scale_lr:
        assert 'auto_scale_lr' in cfg, \
            '--auto-scale-lr needs `auto_scale_lr` (base_batch_size) in config'
        cfg.auto_scale_lr.enable = True

    if cfg.get('randomness', None) is None:
        cfg.randomness = dict(
            seed=args.seed,
            diff_rank_seed=args.diff_rank_seed,
            deterministic=args.deterministic)
    elif args.seed is not None:
        cfg.randomness.seed = args.seed

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def _set_launcher_env(launcher):
    """Fill RANK/WORLD_SIZE/LOCAL_RANK/MASTER_* like mmengine's init_dist."""
    if launcher == 'slurm':
        import subprocess
        node_list = os.environ['SLURM_NODELIST']
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            os.environ['MASTER_ADDR'] = subprocess.getoutput(
                f'scontrol show hostname {node_list} | head -n1')
        os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
        os.environ['RANK'] = os.environ['SLURM_PROCID']
        os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    elif launcher == 'mpi':
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            raise KeyError('The environment variable MASTER_ADDR is not set')
        os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
        os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
        os.environ['LOCAL_RANK'] = os.environ['OMPI_COMM_WORLD_LOCAL_RANK']
    # 'pytorch' (torchrun): the launcher already exported everything


def setup_cpu_distributed(cfg, launcher):
    """Make a distributed launch work on a machine without CUDA.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and the Runner
    wraps the model in ``MMDistributedDataParallel(device_ids=[local_rank])``;
    both fail without CUDA. So, on CPU only: the config's backend becomes
    gloo, the gloo process group is initialised here (the Runner then skips
    its own ``init_dist``), and the DDP wrapper gets ``device_ids=None``
    (CPU modules). Returns human-readable notes for the log; does nothing
    (empty list) for ``launcher='none'`` or when CUDA is available.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return []
    import torch.distributed as torch_dist
    from mmaction.registry import MODEL_WRAPPERS
    from torch.nn.parallel import DistributedDataParallel

    notes = []
    # (Config.setdefault would store a copy: assign, then read back)
    if cfg.get('env_cfg', None) is None:
        cfg.env_cfg = dict()
    if cfg.env_cfg.get('dist_cfg', None) is None:
        cfg.env_cfg.dist_cfg = dict()
    dist_cfg = cfg.env_cfg.dist_cfg
    old_backend = dist_cfg.get('backend', 'nccl')
    if old_backend != 'gloo':
        notes.append(f'no CUDA: env_cfg.dist_cfg.backend {old_backend!r} '
                     "-> 'gloo'")
    dist_cfg['backend'] = 'gloo'

    if not torch_dist.is_initialized():
        _set_launcher_env(launcher)
        kwargs = {k: v for k, v in dist_cfg.items() if k != 'backend'}
        if kwargs.get('timeout') is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)
        notes.append(
            f'initialised the gloo process group for launcher {launcher!r} '
            f'(rank {torch_dist.get_rank()} of '
            f'{torch_dist.get_world_size()}) without torch.cuda.set_device')

    wrapper_cfg = cfg.get('model_wrapper_cfg', None)
    if wrapper_cfg is None:
        # the Runner's default wrapper, minus the GPU device ids
        wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper_type = MODEL_WRAPPERS.get(
        wrapper_cfg.get('type', 'MMDistributedDataParallel'))
    if isinstance(wrapper_type, type) and issubclass(wrapper_type,
                                                     DistributedDataParallel):
        wrapper_cfg['device_ids'] = None
        notes.append(f"no CUDA: model wrapper {wrapper_cfg['type']} with "
                     'device_ids=None (CPU DDP)')
    cfg.model_wrapper_cfg = wrapper_cfg
    return notes


def build_runner(cfg):
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    notes = setup_cpu_distributed(cfg, args.launcher)

    runner = build_runner(cfg)
    for note in notes:
        runner.logger.info(note)
    if args.amp and not torch.cuda.is_available():
        runner.logger.info('--amp without CUDA: bfloat16 CPU autocast '
                           f'({CPU_AMP_WRAPPER}), no loss scaling')

    runner.train()

    if is_main_process():
        last = osp.join(runner.work_dir, 'last_checkpoint')
        print(f'Work dir: {runner.work_dir}')
        if osp.isfile(last):
            with open(last) as f:
                print(f'Last checkpoint: {f.read().strip()}')
        else:
            print('No checkpoint was saved (no CheckpointHook or interval '
                  'not reached).')


if __name__ == '__main__':
    main()
