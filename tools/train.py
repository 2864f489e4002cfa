#!/usr/bin/env python
"""Train a umt_mm model (mmaction2 1.x / mmengine Runner).

Examples::

    # single process (GPU if available, else CPU)
    python tools/train.py configs/umt/stage1_demo.py
    # resume: the work dir's latest checkpoint (an error when there is
    # none), the latest or a new run, or a given checkpoint
    python tools/train.py CONFIG --resume
    python tools/train.py CONFIG --resume auto-or-new
    python tools/train.py CONFIG --resume work_dirs/x/epoch_1.pth
    # distributed (also CPU-only, with gloo): tools/dist_train.sh CONFIG N

What happens on bad videos, kills and resumes: docs/reliability.md.
"""
import argparse
import os

from mmengine.config import DictAction
from mmengine.dist import is_main_process

from umt_mm.engine import build_runner, train_config
from umt_mm.engine.checkpoint_io import read_last_checkpoint
from umt_mm.engine.dist import shutdown_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Train a umt_mm model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help="resume from the given checkpoint; without a value ('auto'), "
        'from the latest checkpoint in the work dir (an error when there '
        "is none); 'auto-or-new' starts a new run when there is none")
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
        help='deterministic algorithms (also when the config sets '
        '`randomness`)')
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


def main():
    args = parse_args()
    cfg = train_config(
        args.config, work_dir=args.work_dir, resume=args.resume,
        amp=args.amp, no_validate=args.no_validate,
        auto_scale_lr=args.auto_scale_lr, seed=args.seed,
        diff_rank_seed=args.diff_rank_seed, deterministic=args.deterministic,
        launcher=args.launcher, cfg_options=args.cfg_options)
    runner = build_runner(cfg)
    runner.train()
    if is_main_process():
        last = read_last_checkpoint(runner.work_dir)
        print(f'Work dir: {runner.work_dir}')
        print(f'Last checkpoint: {last}' if last else
              'No checkpoint was saved (no CheckpointHook or interval not '
              'reached).')
    shutdown_distributed()


if __name__ == '__main__':
    main()
