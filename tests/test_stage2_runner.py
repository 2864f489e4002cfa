"""configs/umt/stage2_demo.py through the real runner on the demo data:
one epoch of tools/train.py (VTC + VTM + MLM + UTA) writes a checkpoint, and
tools/test.py on it reports zero-shot t2v/v2t retrieval recalls.

Single process, no dataloader workers: about 20 s on 2 CPU cores.
"""
import math
import os.path as osp
import re

import pytest
import torch

STAGE2_DEMO = 'configs/umt/stage2_demo.py'
LOSSES = ('loss_vtc', 'loss_vtm', 'loss_mlm', 'loss_uta')
NUM_VAL = 8  # videos (one caption each) in the fixture's captions_val.json


@pytest.fixture(scope='module')
def stage2_demo(repo_root):
    path = osp.join(repo_root, STAGE2_DEMO)
    if not osp.isfile(path):
        pytest.skip(f'{STAGE2_DEMO} is not in the tree')
    return path


def data_options(demo_data):
    """--cfg-options pointing both splits at the fixture's dataset."""
    return [
        'train_dataloader.dataset.ann_files='
        f"['{demo_data}/captions_train.json']",
        f'train_dataloader.dataset.data_prefix.video={demo_data}',
        f'test_dataloader.dataset.ann_file={demo_data}/captions_val.json',
        f'test_dataloader.dataset.data_prefix.video={demo_data}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
    ]


@pytest.fixture(scope='module')
def trained(stage2_demo, demo_data, run_tool, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('stage2_train'))
    res = run_tool('tools/train.py', stage2_demo, '--work-dir', work_dir,
                   '--cfg-options', *data_options(demo_data),
                   'train_cfg.max_epochs=1', timeout=300).check()
    return work_dir, res


def test_train_one_epoch(trained, demo_data, vis_scalars):
    work_dir, res = trained
    # 16 train videos, batch 8, drop_last: 2 iterations
    assert 'Epoch(train) [1][2/2]' in res.output, res.output[-3000:]
    line = [ln for ln in res.output.splitlines()
            if 'Epoch(train) [1][2/2]' in ln][-1]
    for key in LOSSES:
        m = re.search(rf'{key}: (\S+)', line)
        assert m, f'{key} not in the log line: {line}'
        assert math.isfinite(float(m.group(1)))
    records = [r for r in vis_scalars(work_dir) if 'loss' in r]
    assert records
    for r in records:
        assert all(math.isfinite(r[k]) for k in LOSSES)
        # the logged total is the sum of the four weighted losses
        assert r['loss'] == pytest.approx(sum(r[k] for k in LOSSES),
                                          rel=1e-4)

    ckpt = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        # stored relative to the work dir (docs/reliability.md)
        assert osp.join(work_dir, f.read().strip()) == ckpt
    import umt_mm  # noqa: F401  (allow-lists mmengine types for torch.load)
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert state['meta']['epoch'] == 1
    weights = state['state_dict']
    for prefix in ('vision_encoder.', 'text_encoder.', 'teacher.',
                   'distill_head.', 'vision_proj.', 'text_proj.',
                   'itm_head.'):
        assert any(k.startswith(prefix) for k in weights), prefix
    # the optimiser ran: the learnable temperature left its initial 0.07
    assert abs(float(weights['temp']) - 0.07) > 1e-6


def test_retrieval_on_trained_checkpoint(trained, stage2_demo, demo_data,
                                         run_tool, tmp_path):
    work_dir, _ = trained
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    res = run_tool('tools/test.py', stage2_demo, ckpt, '--work-dir',
                   str(tmp_path), '--cfg-options', *data_options(demo_data),
                   timeout=300).check()
    assert f'Load checkpoint from {ckpt}' in res.output
    assert f'Retrieval: {NUM_VAL} videos, {NUM_VAL} texts' in res.output
    line = [ln for ln in res.output.splitlines() if 'Epoch(test)' in ln]
    assert line, res.output[-3000:]
    metrics = {k: float(v) for k, v in
               re.findall(r'retrieval/(\w+): ([-\d.]+)', line[-1])}
    # re-ranked (VTM) and dual-encoder (VTC) recalls for both directions
    for prefix in ('', 'dual_'):
        for direction in ('t2v', 'v2t'):
            r1, r5, r10 = (metrics[f'{prefix}{direction}_R{k}']
                           for k in (1, 5, 10))
            assert r1 <= r5 <= r10
            # 8 candidates: every rank is <= 8 < 10; recalls are k/8 steps
            assert r10 == 100
            assert (r1 * NUM_VAL / 100) == pytest.approx(
                round(r1 * NUM_VAL / 100))
            assert 1 <= metrics[f'{prefix}{direction}_MeanR'] <= NUM_VAL
        assert metrics[f'{prefix}mean_R1'] == pytest.approx(
            (metrics[f'{prefix}t2v_R1'] + metrics[f'{prefix}v2t_R1']) / 2)
