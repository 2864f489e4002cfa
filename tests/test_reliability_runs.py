"""End-to-end reliability runs through tools/train.py, tools/dist_train.sh
and tools/test.py on the demo data (CPU): exact resume after kill -9 (one
process and 2-process gloo DDP), bad videos during training, resume rules,
errors before the first step. Unit tests: tests/test_reliability.py."""
import json
import os
import os.path as osp
import re
import shutil

import pytest
import torch
from reliability_utils import damaged_videos

pytestmark = pytest.mark.slow

STAGE1_DEMO = 'configs/umt/stage1_demo.py'
FINETUNE_DEMO = 'configs/umt/finetune_demo.py'
STAGE2_DEMO = 'configs/umt/stage2_demo.py'
TESTS_DIR = osp.dirname(osp.abspath(__file__))


def _env():
    """PYTHONPATH with the tests dir for ``LossRecorderHook``."""
    root = osp.dirname(TESTS_DIR)
    return {'PYTHONPATH': os.pathsep.join([root, TESTS_DIR])}


def _options(demo_data, epochs=2, batch=2, workers=1, ann=None, extra=()):
    ann = ann or f'{demo_data}/train_list.txt'
    return ['--cfg-options',
            f'train_dataloader.dataset.data_prefix.video={demo_data}',
            f'train_dataloader.dataset.ann_file={ann}',
            f'train_cfg.max_epochs={epochs}',
            f'train_dataloader.batch_size={batch}',
            f'train_dataloader.num_workers={workers}',
            'default_hooks.logger.interval=1', *extra]


def _stage2_options(ann, demo_data, workers):
    """stage2_demo.py made small: the captioned videos of ``ann``, batch
    2, 1 epoch, 16 text tokens."""
    return ['--cfg-options', f"train_dataloader.dataset.ann_files=['{ann}']",
            f'train_dataloader.dataset.data_prefix.video={demo_data}',
            'train_dataloader.dataset.pipeline.5.max_length=16',
            'train_cfg.max_epochs=1', 'train_dataloader.batch_size=2',
            f'train_dataloader.num_workers={workers}',
            f'train_dataloader.persistent_workers={bool(workers)}',
            'default_hooks.logger.interval=1']


def _recorder(tmp_path, out, kill_at=0, every=3, base=STAGE1_DEMO,
              hooks=''):
    """A child of ``base`` (stage1_demo.py) with the loss recorder after
    ``hooks`` (e.g. the base's own custom hooks) and a checkpoint every
    ``every`` iterations; returns its path."""
    path = str(tmp_path / f'{osp.basename(out)}_{kill_at}.py')
    base = osp.join(osp.dirname(TESTS_DIR), base)
    with open(path, 'w') as f:
        f.write(f"""_base_ = [{base!r}]
custom_imports = dict(imports=['umt_mm', 'reliability_utils'])
custom_hooks = {hooks}[dict(type='LossRecorderHook', out_file={out!r},
                      kill_at={kill_at})]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval={every},
                                     max_keep_ckpts=2))
""")
    return path


def _losses(prefix, rank=0):
    with open(f'{prefix}.{rank}') as f:
        rows = [json.loads(line) for line in f]
    return {r['iter']: r['loss'] for r in rows}


def _exact_resume(tool, procs, run_tool, tmp_path, kill_at, total,
                  resumed_at, options, skipper='ResumableSampler',
                  workers=(2, 1), **recorder):
    """Reference run, run killed after ``kill_at``, resumed run: the same
    losses bit for bit; ``options(workers)`` gives the cfg-options,
    ``workers`` the reference's and the other runs' dataloader workers and
    ``recorder`` the :func:`_recorder` arguments."""
    args = [] if procs == 1 else [procs]
    env = _env()
    if procs > 1:
        env['PORT'] = str(29500 + os.getpid() % 5000)
    ref_dir, cut_dir = str(tmp_path / 'ref'), str(tmp_path / 'cut')
    ref, cut = str(tmp_path / 'ref_loss'), str(tmp_path / 'cut_loss')
    # the reference reads with other workers than the killed run: the data
    # must not depend on the worker layout either
    run_tool(tool, _recorder(tmp_path, ref, **recorder), *args,
             '--work-dir', ref_dir, '--deterministic', *options(workers[0]),
             timeout=400, env=env).check()
    res = run_tool(tool, _recorder(tmp_path, cut, kill_at, **recorder),
                   *args, '--work-dir', cut_dir, '--deterministic',
                   *options(workers[1]), timeout=400, env=env)
    assert res.returncode != 0  # killed
    assert not osp.exists(osp.join(cut_dir, f'iter_{total}.pth'))
    res = run_tool(tool, _recorder(tmp_path, cut, **recorder), *args,
                   '--work-dir', cut_dir, '--deterministic', '--resume',
                   *options(workers[1]), timeout=400, env=env).check()
    assert f'Resuming from {osp.join(cut_dir, f"iter_{resumed_at}.pth")}' \
        in res.output
    assert f'{skipper} skips the' in res.output
    assert 'read and dropped' not in res.output
    for rank in range(procs):
        expected = _losses(ref, rank)
        got = _losses(cut, rank)
        assert sorted(expected) == list(range(1, total + 1))
        assert sorted(got) == list(range(1, total + 1))
        # bit for bit, including the steps after the resume
        assert got == expected, (rank, got, expected)


def test_exact_resume_after_kill(demo_data, run_tool, tmp_path):
    """16 clips / batch 2 = 8 iterations an epoch; killed after iteration
    11, resumed from iter_9.pth (epoch 2, batch 2 of 8)."""
    _exact_resume('tools/train.py', 1, run_tool, tmp_path, kill_at=11,
                  total=16, resumed_at=9,
                  options=lambda workers: _options(demo_data,
                                                   workers=workers))


def test_exact_resume_after_kill_ddp(demo_data, run_tool, tmp_path):
    """2 processes x batch 2: 4 iterations an epoch; killed after iteration
    7, resumed from iter_6.pth (epoch 2, batch 3 of 4)."""
    if torch.cuda.is_available():
        pytest.skip('checks the CPU (gloo) path; CUDA is available here')
    _exact_resume('tools/dist_train.sh', 2, run_tool, tmp_path, kill_at=7,
                  total=8, resumed_at=6,
                  options=lambda workers: _options(demo_data,
                                                   workers=workers))


def test_stage2_exact_resume_after_kill(demo_data, run_tool, tmp_path):
    """Stage 2 (caption batches of MediaGroupBatchSampler) on 8 captioned
    videos, batch 2: 4 iterations; killed after iteration 3, resumed from
    iter_2.pth (batch 3 of 4). The reference loads in a worker, the killed
    and resumed runs in the main process."""
    with open(osp.join(demo_data, 'captions_train.json')) as f:
        captions = json.load(f)[::2]
    ann = str(tmp_path / 'captions.json')
    with open(ann, 'w') as f:
        json.dump(captions, f)
    _exact_resume('tools/train.py', 1, run_tool, tmp_path, kill_at=3,
                  total=4, resumed_at=2, every=2, workers=(1, 0),
                  options=lambda workers: _stage2_options(ann, demo_data,
                                                          workers),
                  skipper='MediaGroupBatchSampler', base=STAGE2_DEMO,
                  hooks="[dict(type='RetrievalRerankHook')] + ")


@pytest.fixture(scope='module')
def bad_list(demo_data, tmp_path_factory):
    """The demo train list with a truncated video at line 3 and a zero-byte
    one at line 10 (18 lines)."""
    root = str(tmp_path_factory.mktemp('bad_train'))
    shutil.copytree(osp.join(demo_data, 'videos'), osp.join(root, 'videos'))
    damaged_videos(osp.join(root, 'videos', 'train_0000.mp4'),
                   osp.join(root, 'videos'))
    with open(osp.join(demo_data, 'train_list.txt')) as f:
        lines = f.read().splitlines()
    lines.insert(2, 'videos/truncated.mp4 1')
    lines.insert(9, 'videos/zero_bytes.mp4 2')
    ann = osp.join(root, 'train_bad.txt')
    with open(ann, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return root, ann


def test_training_replaces_bad_videos(bad_list, run_tool, tmp_path):
    root, ann = bad_list
    work = str(tmp_path / 'work')
    res = run_tool('tools/train.py', STAGE1_DEMO, '--work-dir', work,
                   *_options(root, epochs=2, batch=4, ann=ann,
                             extra=['train_cfg.max_bad_fraction=0.2']),
                   timeout=400).check()
    for name, line in (('truncated', 3), ('zero_bytes', 10)):
        described = f'Bad sample {root}/videos/{name}.mp4 ({ann} line {line})'
        # logged once although it is met in both epochs
        assert res.output.count(described) == 1, res.output[-3000:]
    # both are met every epoch (a replacement may be drawn bad as well)
    for epoch in (1, 2):
        failed = re.search(rf'Epoch {epoch}: (\d+) sample loads failed and '
                           'were replaced; 2 distinct bad samples', res.output)
        assert failed and int(failed.group(1)) >= 2, res.output[-3000:]
    import umt_mm  # noqa: F401
    meta = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu',
                      weights_only=True)['meta']
    assert sorted(meta['train_loop']['bad_samples']) == [2, 9]


def test_too_many_bad_videos_stop_the_run(bad_list, run_tool, tmp_path):
    root, ann = bad_list
    res = run_tool('tools/train.py', STAGE1_DEMO, '--work-dir',
                   str(tmp_path / 'work'),
                   *_options(root, epochs=1, batch=4, ann=ann), timeout=400)
    assert res.returncode != 0
    assert 'exceed max_bad_fraction=0.01 of' in res.output
    assert f'{root}/videos/' in res.output


def test_resume_rules(demo_data, run_tool, tmp_path):
    work = str(tmp_path / 'work')
    opts = _options(demo_data, epochs=1, batch=8)
    # nothing to resume: a clear error, no run
    res = run_tool('tools/train.py', STAGE1_DEMO, '--work-dir', work,
                   '--resume', *opts, timeout=300)
    assert res.returncode != 0
    assert 'no loadable checkpoint' in res.output
    assert 'Epoch(train)' not in res.output
    # auto-or-new: a new run
    res = run_tool('tools/train.py', STAGE1_DEMO, '--work-dir', work,
                   '--resume', 'auto-or-new', *opts, timeout=300).check()
    assert 'starting a new run' in res.output
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    # a new run into the same work dir would overwrite epoch_1.pth
    res = run_tool('tools/train.py', STAGE1_DEMO, '--work-dir', work, *opts,
                   timeout=300)
    assert res.returncode != 0
    assert 'already holds epoch_1.pth of another run' in res.output
    assert 'Epoch(train)' not in res.output
    # last_checkpoint naming a truncated file: back to the loadable one
    epoch1 = osp.join(work, 'epoch_1.pth')
    with open(epoch1, 'rb') as f:
        data = f.read()
    with open(osp.join(work, 'epoch_2.pth'), 'wb') as f:
        f.write(data[:len(data) // 3])
    with open(osp.join(work, 'last_checkpoint'), 'w') as f:
        f.write('epoch_2.pth')
    os.remove(osp.join(work, 'epoch_2.pth'))  # (gone entirely)
    res = run_tool('tools/train.py', STAGE1_DEMO, '--work-dir', work,
                   '--resume', *_options(demo_data, epochs=2, batch=8),
                   timeout=300).check()
    assert 'does not exist; looking for the newest loadable' in res.output
    assert f'Resuming from {epoch1}' in res.output
    assert 'Epoch(train) [2]' in res.output
    assert 'Epoch(train) [1]' not in res.output


def test_errors_before_first_step(demo_data, run_tool, tmp_path):
    opts = _options(demo_data, epochs=1, batch=8)
    cases = {
        'default_hooks.checkpoint.max_keep_ckpt=2':
        'unknown argument(s) max_keep_ckpt',
        f'default_hooks.checkpoint.out_dir={__file__}/ckpts':
        'is not writable',
    }
    for option, message in cases.items():
        res = run_tool('tools/train.py', STAGE1_DEMO, '--work-dir',
                       str(tmp_path / 'work'), *opts, option, timeout=300)
        assert res.returncode != 0 and message in res.output, option
        assert 'Epoch(train)' not in res.output
    # a typo'd top-level key is named
    res = run_tool('tools/train.py', STAGE1_DEMO, '--work-dir',
                   str(tmp_path / 'typo'), *opts, 'randomnes.seed=3',
                   timeout=300).check()
    assert "config key 'randomnes' is not used by the runner; did you " \
        "mean 'randomness'?" in res.output


def test_train_list_errors_name_the_line(demo_data, run_tool, tmp_path):
    ann = str(tmp_path / 'list.txt')
    with open(osp.join(demo_data, 'train_list.txt')) as f:
        lines = f.read().splitlines()
    with open(ann, 'w') as f:
        f.write('\n'.join(lines[:4] + ['videos/train_0004.mp4'] + lines[5:])
                + '\n')
    res = run_tool('tools/train.py', STAGE1_DEMO, '--work-dir',
                   str(tmp_path / 'work'),
                   *_options(demo_data, epochs=1, ann=ann), timeout=300)
    assert res.returncode != 0
    assert f'{ann}: 1 bad line(s) of 16' in res.output
    assert "line 5: expected 1 field(s) and a label" in res.output


def test_test_tool_refuses_out_of_range_labels(demo_data, run_tool,
                                               tmp_path):
    """finetune_demo has 4 classes: a label 7 in the test list stops
    tools/test.py before any metric is computed."""
    ann = str(tmp_path / 'val.txt')
    with open(osp.join(demo_data, 'val_list.txt')) as f:
        lines = f.read().splitlines()
    lines[1] = lines[1].split()[0] + ' 7'
    with open(ann, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    res = run_tool('tools/test.py', FINETUNE_DEMO, 'unused.pth',
                   '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                   f'test_dataloader.dataset.data_prefix.video={demo_data}',
                   f'test_dataloader.dataset.ann_file={ann}',
                   'model.backbone.init_cfg=None', timeout=300)
    assert res.returncode != 0
    assert f'{ann}: 1 bad line(s) of 8' in res.output
    assert 'line 2: label 7 is outside 0 <= label < 4' in res.output
    assert 'acc/top1' not in res.output


def test_test_tool_refuses_checkpoint_that_does_not_fit(
        stage1_run, demo_data, run_tool, tmp_path):
    """A stage-1 checkpoint given to tools/test.py of the 4-class
    classifier: refused (teacher keys, no head), not tested from random
    weights."""
    res = run_tool('tools/test.py', FINETUNE_DEMO, stage1_run.checkpoint(),
                   '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                   f'test_dataloader.dataset.data_prefix.video={demo_data}',
                   f'test_dataloader.dataset.ann_file={demo_data}/'
                   'val_list.txt', 'model.backbone.init_cfg=None',
                   timeout=300)
    assert res.returncode != 0
    assert 'does not fit' in res.output and 'cls_head' in res.output
    assert 'acc/top1' not in res.output


def test_test_tool_bad_video_fails_or_is_skipped(demo_data, run_tool,
                                                 tmp_path):
    """tools/test.py with a truncated video at line 3 of a 9-line test list:
    by default it stops naming the file and line; with
    bad_eval_samples=skip it reports the line and tests the 8 others."""
    from mmengine.config import Config

    from umt_mm.registry import MODELS
    bad = damaged_videos(osp.join(demo_data, 'videos', 'train_0000.mp4'),
                         str(tmp_path))['truncated']
    ann = str(tmp_path / 'val.txt')
    with open(osp.join(demo_data, 'val_list.txt')) as f:
        lines = f.read().splitlines()
    lines.insert(2, f'{bad} 1')
    with open(ann, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    cfg = Config.fromfile(FINETUNE_DEMO)
    cfg.model.backbone.init_cfg = None
    ckpt = str(tmp_path / 'random.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), ckpt)
    opts = ['--cfg-options',
            f'test_dataloader.dataset.data_prefix.video={demo_data}',
            f'test_dataloader.dataset.ann_file={ann}',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
            'model.backbone.init_cfg=None']
    res = run_tool('tools/test.py', FINETUNE_DEMO, ckpt, '--work-dir',
                   str(tmp_path / 'raise'), *opts, timeout=300)
    assert res.returncode != 0
    assert f'cannot load sample {bad} ({ann} line 3)' in res.output
    assert 'acc/top1' not in res.output
    dump = str(tmp_path / 'pred.pkl')
    res = run_tool('tools/test.py', FINETUNE_DEMO, ckpt, '--work-dir',
                   str(tmp_path / 'skip'), '--dump', dump, *opts,
                   'bad_eval_samples=skip', timeout=300).check()
    assert f'Skipping {ann} line 3 ({bad} 1)' in res.output
    assert f'1 of 9 samples of {ann} are skipped' in res.output
    assert 'acc/top1' in res.output
    import pickle
    with open(dump, 'rb') as f:
        predictions = pickle.load(f)
    assert len(predictions) == len(lines) - 1 == 8
