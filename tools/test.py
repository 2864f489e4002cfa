#!/usr/bin/env python
"""Test (and evaluate) a checkpoint with the config's test loop.

Examples::

    python tools/test.py CONFIG CHECKPOINT [--dump results.pkl]
    bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [args]

Distributed runs on CPU-only machines use gloo, exactly as tools/train.py.
"""
import argparse
import os
import os.path as osp
import sys

TOOLS_DIR = osp.dirname(osp.abspath(__file__))
REPO_ROOT = osp.dirname(TOOLS_DIR)
for path in (REPO_ROOT, TOOLS_DIR):
    if path not in sys.path:
        sys.path.insert(0, path)

import umt_mm  # noqa: E402,F401  (compat fixes + registration first)
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.dist import is_main_process  # noqa: E402
from train import build_runner, setup_cpu_distributed  # noqa: E402


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


def merge_args(cfg, args):
    """Merge CLI arguments into the config."""
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.get('test_dataloader', None) is None or cfg.get(
            'test_cfg', None) is None:
        raise SystemExit(
            f'{args.config} defines no test loop (test_dataloader / '
            'test_cfg / test_evaluator); nothing to test')

    if args.dump is not None:
        assert args.dump.endswith(('.pkl', '.pickle')), \
            'The dump file must be a pkl file.'
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        if isinstance(cfg.test_evaluator, (list, tuple)):
            cfg.test_evaluator = list(cfg.test_evaluator) + [dump_metric]
        else:
            cfg.test_evaluator = [cfg.test_evaluator, dump_metric]

    cfg.launcher = args.launcher
    # work_dir priority: CLI > config > work_dirs/<config stem>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    return cfg


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    notes = setup_cpu_distributed(cfg, args.launcher)

    runner = build_runner(cfg)
    for note in notes:
        runner.logger.info(note)
    metrics = runner.test()

    if is_main_process():
        print(f'Checkpoint: {args.checkpoint}')
        for name, value in (metrics or {}).items():
            print(f'{name}: {value}')
        if args.dump is not None:
            print(f'Predictions dumped to {args.dump}')


if __name__ == '__main__':
    main()
