"""Runs a relatives demo config through tools/train.py on the demo videos
and reads back its logged losses (shared by the relatives' slow tests)."""
import json
import os
import os.path as osp


def train_demo(run_tool, config, demo_data, work_dir, epochs=5,
               timeout=600):
    """tools/train.py CONFIG on ``demo_data``; returns the logged records
    (LocalVisBackend ``scalars.json``, one per iteration)."""
    run_tool('tools/train.py', config, '--work-dir', work_dir,
             '--cfg-options',
             f'train_dataloader.dataset.data_prefix.video={demo_data}',
             f'train_dataloader.dataset.ann_file={demo_data}/train_list.txt',
             f'train_cfg.max_epochs={epochs}',
             'train_dataloader.num_workers=1',
             'default_hooks.logger.interval=1', timeout=timeout).check()
    runs = sorted(d for d in os.listdir(work_dir) if osp.isfile(
        osp.join(work_dir, d, 'vis_data', 'scalars.json')))
    assert runs, f'no vis_data/scalars.json under {work_dir}'
    with open(osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')) as f:
        return [json.loads(line) for line in f if line.strip()]


def falls(losses, k=2, factor=0.8):
    """Mean of the last ``k`` losses below ``factor`` x that of the
    first ``k``."""
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    return last < factor * first
