#!/usr/bin/env python
"""Test (and evaluate) a checkpoint with the config's test loop.

Examples::

    python tools/test.py CONFIG CHECKPOINT [--dump results.pkl]
    bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [args]

Distributed runs on CPU-only machines use gloo, exactly as tools/train.py.
A video that cannot be loaded stops the test naming its file and list line
(docs/reliability.md).
"""
import argparse
import os

from mmengine.config import DictAction
from mmengine.dist import is_main_process

from umt_mm.engine import build_runner, metrics_table, test_config
from umt_mm.engine.dist import shutdown_distributed


def parse_args():
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a umt_mm model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--dump',
        type=str,
        help='dump predictions to a pickle file for offline evaluation')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value pairs merged into the '
        'config')
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
    cfg = test_config(
        args.config, args.checkpoint, work_dir=args.work_dir,
        dump=args.dump, launcher=args.launcher,
        cfg_options=args.cfg_options)
    runner = build_runner(cfg)
    metrics = runner.test()
    if is_main_process():
        print(f'Checkpoint: {args.checkpoint}')
        print(metrics_table(metrics))
        if args.dump is not None:
            print(f'Predictions dumped to {args.dump}')
    shutdown_distributed()


if __name__ == '__main__':
    main()
