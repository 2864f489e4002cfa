"""Runs a relatives demo config through tools/train.py on the demo videos
and reads back its per-iteration losses (the relatives' slow tests)."""
from conftest import read_scalars


def train_demo(run_tool, config, demo_data, work_dir, epochs=5,
               timeout=600, options=()):
    """tools/train.py CONFIG on ``demo_data`` (plus ``--cfg-options``
    ``options``), every iteration logged unsmoothed; returns the records of
    its ``scalars.json``."""
    run_tool('tools/train.py', config, '--work-dir', work_dir,
             '--cfg-options',
             f'train_dataloader.dataset.data_prefix.video={demo_data}',
             f'train_dataloader.dataset.ann_file={demo_data}/train_list.txt',
             f'train_cfg.max_epochs={epochs}',
             'train_dataloader.num_workers=1',
             'default_hooks.logger.interval=1',
             'log_processor.window_size=1', *options,
             timeout=timeout).check()
    return read_scalars(work_dir)


def falls(losses, k=2, factor=0.8):
    """Mean of the last ``k`` losses below ``factor`` x that of the
    first ``k``."""
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    return last < factor * first
