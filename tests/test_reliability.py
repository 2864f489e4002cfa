"""Unit tests of the reliability layer (docs/reliability.md): bad samples,
annotation checks, checkpoint files, resume selection, config checks, safe
proposals, check_videos. End-to-end runs: tests/test_reliability_runs.py."""
import glob
import json
import os
import os.path as osp
import pickle
import re
import shutil
import uuid

import numpy as np
import pytest
import torch
from reliability_utils import PickleMarker, damaged_videos, faststart

KINDS = ('truncated', 'zero_bytes', 'not_a_video', 'audio_only', 'moov_cut')


@pytest.fixture(scope='module')
def bad_data(demo_data, tmp_path_factory):
    """The demo videos plus the five damaged kinds; lists with one bad
    line each (line 3 of 17)."""
    root = str(tmp_path_factory.mktemp('bad_data'))
    shutil.copytree(osp.join(demo_data, 'videos'), osp.join(root, 'videos'))
    paths = damaged_videos(osp.join(root, 'videos', 'train_0000.mp4'),
                           osp.join(root, 'videos'))
    with open(osp.join(demo_data, 'train_list.txt')) as f:
        good = f.read().splitlines()
    lists = {}
    for kind in KINDS:
        lines = list(good)
        lines.insert(2, f'videos/{osp.basename(paths[kind])} 1')
        lists[kind] = osp.join(root, f'train_{kind}.txt')
        with open(lists[kind], 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return root, lists, good


def _pipeline():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/_base_/datasets/demo_stage1.py')
    return cfg.train_pipeline


def _guarded(root, ann_file, on_error, **kwargs):
    from umt_mm.datasets.guarded import GuardedDataset
    return GuardedDataset(
        dict(type='VideoDataset', ann_file=ann_file,
             data_prefix=dict(video=root), pipeline=_pipeline()),
        on_error=on_error, **kwargs)


def test_faststart_copy_is_readable(demo_data, tmp_path):
    """The 'truncated' kind is a cut of this file, so it must be a valid
    video before the cut."""
    import decord
    with open(osp.join(demo_data, 'videos', 'train_0000.mp4'), 'rb') as f:
        data = f.read()
    path = str(tmp_path / 'fast.mp4')
    with open(path, 'wb') as f:
        f.write(faststart(data))
    reader = decord.VideoReader(path)
    ref = decord.VideoReader(osp.join(demo_data, 'videos', 'train_0000.mp4'))
    assert len(reader) == len(ref)
    assert np.array_equal(reader[len(ref) - 1].asnumpy(),
                          ref[len(ref) - 1].asnumpy())


@pytest.mark.parametrize('kind', KINDS)
def test_bad_video_raises_with_file_and_line(bad_data, kind):
    """val/test policy: the error names the file and the list line."""
    from umt_mm.datasets.guarded import SampleLoadError
    root, lists, _ = bad_data
    dataset = _guarded(root, lists[kind], 'raise')
    assert dataset[0]['inputs'].shape[-3] == 8  # good lines load
    with pytest.raises(SampleLoadError) as err:
        dataset[2]
    assert f'{kind}.mp4' in str(err.value)
    assert f'{lists[kind]} line 3' in str(err.value)


@pytest.mark.parametrize('kind', KINDS)
def test_bad_video_resampled_deterministically(bad_data, kind):
    """training policy: another index, the same one for the same seed, and
    the failure is reported through the sample's metainfo."""
    from umt_mm.datasets.guarded import SeededIndex, collect_bad_samples
    root, lists, _ = bad_data
    dataset = _guarded(root, lists[kind], 'resample')
    first = dataset[SeededIndex(2, seed=123)]
    again = dataset[SeededIndex(2, seed=123)]
    assert torch.equal(first['inputs'], again['inputs'])
    records = collect_bad_samples(
        dict(inputs=[first['inputs']], data_samples=[first['data_samples']]))
    assert len(records) == 1
    index, description, error = records[0]
    assert index == 2 and f'{kind}.mp4' in description
    assert 'line 3' in description and error
    assert first['inputs'].shape[-3] == 8  # a full clip of another video


def test_sample_seed_fixes_augmentation(demo_data):
    """Per-sample seeds make the random crop/flip a function of the seed,
    not of the loading process's RNG history; the caller's RNG state is
    left untouched."""
    from umt_mm.datasets.guarded import SeededIndex
    dataset = _guarded(demo_data, osp.join(demo_data, 'train_list.txt'),
                       'raise')
    torch.manual_seed(0)
    np.random.seed(0)
    a = dataset[SeededIndex(5, seed=7)]['inputs']
    state = (torch.get_rng_state(), np.random.get_state()[1].copy())
    np.random.seed(99)
    b = dataset[SeededIndex(5, seed=7)]['inputs']
    assert torch.equal(a, b)
    np.random.seed(0)
    torch.manual_seed(0)
    dataset[SeededIndex(5, seed=7)]
    assert torch.equal(torch.get_rng_state(), state[0])
    assert np.array_equal(np.random.get_state()[1], state[1])
    differs = [not torch.equal(a, dataset[SeededIndex(5, seed=s)]['inputs'])
               for s in range(8, 14)]
    assert any(differs)


def test_resumable_sampler_order_seeds_and_skip():
    from mmengine.dataset import DefaultSampler

    from umt_mm.datasets.guarded import ResumableSampler
    data = list(range(23))
    ref = DefaultSampler(data, shuffle=True, seed=3)
    sampler = ResumableSampler(data, shuffle=True, seed=3)
    for epoch in (0, 1):
        ref.set_epoch(epoch)
        sampler.set_epoch(epoch)
        full = list(sampler)
        assert [int(i) for i in full] == list(ref)
        sampler.skip_next_epoch_start(10)
        tail = list(sampler)
        assert [(int(i), i.seed) for i in tail] == \
            [(int(i), i.seed) for i in full[10:]]
    assert len({i.seed for i in full}) == len(full)
    # the skip is one-shot
    assert len(list(sampler)) == len(data)
    # SeededIndex survives pickling (dataloader worker queues)
    idx = pickle.loads(pickle.dumps(full[3]))
    assert int(idx) == int(full[3]) and idx.seed == full[3].seed


@pytest.mark.parametrize('lines,num_classes,expected', [
    (['a.mp4 0', '', 'b.mp4 1'], 4, 'line 2: blank line'),
    (['a.mp4 0', 'b.mp4'], 4, 'line 2: expected 1 field(s) and a label'),
    (['a.mp4 0', 'b.mp4 4'], 4, 'line 2: label 4 is outside'),
    (['a.mp4 -1'], None, 'line 1: label -1 is outside'),
    (['a.mp4 x'], 4, "line 1: label 'x' is not an integer"),
    (['a b.mp4 1'], 4, 'line 1: expected 2 fields, got 3'),
    ([], 4, 'is empty'),
])
def test_annotation_list_checked(tmp_path, lines, num_classes, expected):
    from umt_mm.datasets.ann_check import (AnnotationError,
                                           check_annotation_list)
    ann = str(tmp_path / 'list.txt')
    with open(ann, 'w') as f:
        f.write(''.join(line + '\n' for line in lines))
    with pytest.raises(AnnotationError) as err:
        check_annotation_list(
            dict(type='VideoDataset', ann_file=ann), num_classes)
    assert ann in str(err.value) and expected in str(err.value)


def test_annotation_list_ok_and_other_types(tmp_path):
    from umt_mm.datasets.ann_check import check_annotation_list
    ann = tmp_path / 'list.txt'
    ann.write_text('a.mp4 0\nb.mp4 3\n')
    assert check_annotation_list(
        dict(type='VideoDataset', ann_file=str(ann)), 4) == 2
    rawframes = tmp_path / 'frames.txt'
    rawframes.write_text('dir_a 16 2\n')
    assert check_annotation_list(
        dict(type='RawframeDataset', ann_file='frames.txt',
             data_root=str(tmp_path)), 4) == 1
    assert check_annotation_list(
        dict(type='AVADataset', ann_file='missing.csv'), 4) == 0


def _fake_checkpoint(path, payload=None):
    torch.save(payload or dict(meta=dict(epoch=1)), path)


def test_find_resume_checkpoint_fallbacks(tmp_path):
    from umt_mm.engine.checkpoint_io import (find_resume_checkpoint,
                                             write_last_checkpoint)

    class Log:
        def __init__(self):
            self.lines = []

        def warning(self, msg):
            self.lines.append(msg)

    work = str(tmp_path)
    log = Log()
    assert find_resume_checkpoint(work, log) is None
    _fake_checkpoint(osp.join(work, 'epoch_1.pth'))
    os.utime(osp.join(work, 'epoch_1.pth'), (1, 1))
    _fake_checkpoint(osp.join(work, 'epoch_2.pth'))
    os.utime(osp.join(work, 'epoch_2.pth'), (2, 2))
    write_last_checkpoint(work, osp.join(work, 'epoch_2.pth'))
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read() == 'epoch_2.pth'  # relative to the work dir
    assert find_resume_checkpoint(work, log) == osp.join(work, 'epoch_2.pth')
    assert not log.lines
    # truncated epoch_3 named by last_checkpoint: newest loadable instead
    with open(osp.join(work, 'epoch_2.pth'), 'rb') as f:
        data = f.read()
    with open(osp.join(work, 'epoch_3.pth'), 'wb') as f:
        f.write(data[:len(data) // 2])
    write_last_checkpoint(work, osp.join(work, 'epoch_3.pth'))
    assert find_resume_checkpoint(work, log) == osp.join(work, 'epoch_2.pth')
    assert any('truncated' in line for line in log.lines)
    # empty last_checkpoint
    open(osp.join(work, 'last_checkpoint'), 'w').close()
    assert find_resume_checkpoint(work, log) == osp.join(work, 'epoch_2.pth')
    # a moved work dir keeps working (relative record)
    write_last_checkpoint(work, osp.join(work, 'epoch_1.pth'))
    moved = str(tmp_path.parent / 'moved_work')
    shutil.move(work, moved)
    assert find_resume_checkpoint(moved) == osp.join(moved, 'epoch_1.pth')


def test_checkpoint_hook_rejects_unknown_argument():
    from umt_mm.engine import UMTCheckpointHook
    with pytest.raises(TypeError, match='max_keep_ckpt'):
        UMTCheckpointHook(interval=1, max_keep_ckpt=2)
    UMTCheckpointHook(interval=1, max_keep_ckpts=2)


def test_unknown_top_level_key_warned():
    from mmengine.config import Config
    from mmengine.logging import MMLogger

    from umt_mm.engine.runner import warn_unknown_keys
    cfg = Config(dict(randomnes=dict(seed=1), data_root='x', base_lr=1.0,
                      default_hooks={}, train_cfg={}))
    warnings = warn_unknown_keys(cfg, MMLogger.get_current_instance())
    assert len(warnings) == 1 and "did you mean 'randomness'" in warnings[0]


def test_train_config_cli_over_config_randomness(repo_root):
    from umt_mm.engine import train_config
    config = osp.join(repo_root, 'configs/umt/stage1_demo.py')
    cfg = train_config(config, deterministic=True, diff_rank_seed=True,
                       seed=5, resume='auto-or-new')
    assert cfg.randomness == dict(seed=5, deterministic=True,
                                  diff_rank_seed=True)
    assert cfg.resume == 'auto-or-new' and cfg.load_from is None
    assert cfg.runner_type == 'UMTRunner'


def test_metrics_table():
    from umt_mm.engine import metrics_table
    table = metrics_table({'acc/top1': 0.5625, 'acc/top5': 1.0})
    lines = table.splitlines()
    assert lines[1].split() == ['|', 'Metric', '|', 'Value', '|']
    assert lines[3].split() == ['|', 'acc/top1', '|', '0.5625', '|']
    assert len({len(line) for line in lines}) == 1
    assert metrics_table({}) == ''


class _Payload:

    def __reduce__(self):
        return (os.system, ('touch /tmp/umt_mm_pwned',))


def test_safe_pickle_refuses_reduce_payload(tmp_path):
    from umt_mm.datasets.safe_pickle import safe_pickle_load
    good = {'vid,0902': np.array([[0.1, 0.2, 0.5, 0.9, 0.99]], np.float32),
            'meta': [1, 2.0, ('a', None)]}
    path = str(tmp_path / 'good.pkl')
    with open(path, 'wb') as f:
        pickle.dump(good, f)
    loaded = safe_pickle_load(path)
    assert np.array_equal(loaded['vid,0902'], good['vid,0902'])
    assert loaded['meta'] == good['meta']
    evil = str(tmp_path / 'evil.pkl')
    with open(evil, 'wb') as f:
        pickle.dump({'vid,0902': _Payload()}, f)
    with pytest.raises(pickle.UnpicklingError, match='posix.system|os.sys'):
        safe_pickle_load(evil)


@pytest.mark.slow
def test_infer_ava_proposals_refuse_payload(run_tool, tmp_path):
    evil = str(tmp_path / 'evil.pkl')
    marker = tmp_path / 'pwned'
    with open(evil, 'wb') as f:
        pickle.dump({'v,0902': PickleMarker(str(marker))}, f)
    res = run_tool('tools/infer_ava.py', 'video.mp4',
                   'configs/umt/ava_vitb.py', 'none.pth', '--proposals',
                   evil, timeout=120)
    assert res.returncode != 0
    assert 'refusing to load' in res.output
    assert not marker.exists()


def _mixed_list(tmp_path, good):
    """A list of 4 good lines, the 5 damaged kinds (lines 5-9), 2 good
    lines; returns (path, bad lines)."""
    ann = str(tmp_path / 'all.txt')
    bad_lines = [f'videos/{k}.mp4 1' for k in KINDS]
    with open(ann, 'w') as f:
        f.write('\n'.join(good[:4] + bad_lines + good[4:6]) + '\n')
    return ann, bad_lines


def test_scan_list_finds_every_kind_and_resumes(bad_data, tmp_path):
    from umt_mm.datasets.video_check import scan_list
    root, _, good = bad_data
    ann, bad_lines = _mixed_list(tmp_path, good)
    out = str(tmp_path / 'bad.txt')
    bad = scan_list(ann, root, out, workers=2)
    assert [(n, line) for n, line, _ in bad] == list(
        zip(range(5, 10), bad_lines))
    assert all(problem for _, _, problem in bad)
    with open(out) as f:
        assert f.read().splitlines() == bad_lines
    # a killed scan left a partial progress file: only the rest is checked
    progress = out + '.progress.jsonl'
    with open(progress) as f:
        records = f.read().splitlines()
    with open(progress, 'w') as f:
        f.write('\n'.join(records[:6]) + '\n{"line": 1')
    checked = []
    import umt_mm.datasets.video_check as video_check
    original = video_check.check_video

    def spy(path, full=False):
        checked.append(path)
        return original(path, full)

    video_check.check_video = spy
    try:
        again = scan_list(ann, root, out, workers=1)
    finally:
        video_check.check_video = original
    assert again == bad
    assert len(checked) == len(records) - 6


@pytest.mark.slow
def test_check_videos_tool(bad_data, run_tool, tmp_path):
    root, _, good = bad_data
    ann, bad_lines = _mixed_list(tmp_path, good)
    out = str(tmp_path / 'bad.txt')
    res = run_tool('tools/data/check_videos.py', ann, root, '--out', out,
                   '--workers', '2', timeout=120)
    assert res.returncode == 1, res.output
    with open(out) as f:
        assert f.read().splitlines() == bad_lines
    for number, kind in enumerate(KINDS, 5):
        assert f'{ann}:{number}: videos/{kind}.mp4 1' in res.output
    # resumable: a rerun checks nothing again
    res = run_tool('tools/data/check_videos.py', ann, root, '--out', out,
                   timeout=120)
    assert '11 lines already checked' in res.output
    assert '0 to go' in res.output


def _toy_model_type():
    from mmengine.model import BaseModel

    from umt_mm.registry import MODELS

    class ReliabilityToy(BaseModel):

        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 1)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            x = torch.stack(inputs) if isinstance(inputs[0], torch.Tensor) \
                else torch.tensor(inputs)
            out = self.linear(x)
            if mode != 'loss':
                return out
            # a random draw in the step, as masks and drop path are
            return dict(loss=out.pow(2).mean() + 1e-3 * torch.rand(()))

    MODELS.register_module(module=ReliabilityToy, force=True)
    return 'ReliabilityToy'


class ReliabilityToyData:
    """``num`` 2-d samples (fixed values plus a random jitter: an
    augmentation) of which the indices in ``bad`` cannot be loaded; records
    the indices it reads in ``ReliabilityToyData.loads``."""
    loads = []

    def __init__(self, num=8, bad=()):
        self.values = np.random.default_rng(1).normal(size=(num, 2))
        self.bad = set(bad)

    def __len__(self):
        return len(self.values)

    def get_data_info(self, index):
        return dict(filename=f'clip_{index}.mp4')

    def __getitem__(self, index):
        from mmaction.structures import ActionDataSample
        ReliabilityToyData.loads.append(int(index))
        if index in self.bad:
            raise OSError(f'cannot read clip_{index}.mp4')
        x = torch.tensor(self.values[index], dtype=torch.float32)
        return dict(inputs=x + 0.1 * torch.rand(2),
                    data_samples=ActionDataSample())


def _toy_runner(work_dir, max_epochs=2, train_cfg=None, dataset=None,
                custom_hooks=(), env_cfg=None, **hook):
    """A UMTRunner on a linear model (in-process), built from a config with
    mmengine's loop and checkpoint hook types; the data is a list, or the
    ``dataset`` config (e.g. ``ReliabilityToyData``)."""
    from mmengine.config import Config

    from umt_mm.engine import UMTRunner
    from umt_mm.registry import DATASETS
    DATASETS.register_module(module=ReliabilityToyData, force=True)
    hook_cfg = dict(type='CheckpointHook', interval=1, max_keep_ckpts=1)
    hook_cfg.update(hook)
    by_epoch = hook_cfg.get('by_epoch', True)
    rng = np.random.default_rng(0)
    cfg = Config(dict(
        model=dict(type=_toy_model_type()), work_dir=work_dir,
        train_dataloader=dict(
            batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='pseudo_collate'),
            dataset=dataset or rng.normal(size=(4, 2)).tolist()),
        train_cfg=train_cfg or dict(type='EpochBasedTrainLoop',
                                    max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=hook_cfg), default_scope='mmaction',
        custom_hooks=list(custom_hooks),
        log_processor=dict(by_epoch=by_epoch),
        randomness=dict(seed=0), env_cfg=env_cfg or {},
        # runners built in the same second would otherwise share mmengine's
        # logger / message hub / visualizer instances (named by timestamp)
        experiment_name=f'toy_{uuid.uuid4().hex}'))
    return UMTRunner.from_cfg(cfg)


def _run_log(work_dir):
    """Text of the newest run log in ``work_dir``."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')),
                  key=osp.getmtime)
    with open(logs[-1]) as f:
        return f.read()


def test_checkpoint_save_is_atomic_and_rotates_after(tmp_path, monkeypatch):
    """A save that dies half-way leaves no file under the checkpoint's name,
    keeps the previous checkpoint (rotation runs only after a complete
    save) and last_checkpoint still names it."""
    from mmengine.fileio.backends import LocalBackend

    from umt_mm.engine.checkpoint_io import (checkpoint_problem,
                                             read_last_checkpoint)
    work = str(tmp_path / 'work')
    runner = _toy_runner(work)
    real_put = LocalBackend.put
    calls = []

    def dying_put(self, obj, filepath):
        calls.append(filepath)
        if len(calls) == 2:  # epoch 2: half the bytes reach the disk
            real_put(self, obj[:len(obj) // 2], filepath)
            raise OSError('No space left on device')
        return real_put(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', dying_put)
    with pytest.raises(OSError, match='No space left'):
        runner.train()
    names = sorted(os.listdir(work))
    assert 'epoch_1.pth' in names and 'epoch_2.pth' not in names
    assert checkpoint_problem(osp.join(work, 'epoch_1.pth')) is None
    assert read_last_checkpoint(work) == osp.join(work, 'epoch_1.pth')


def test_checkpoint_rotation_and_relative_record(tmp_path):
    work = str(tmp_path / 'work')
    _toy_runner(work, max_epochs=3, max_keep_ckpts=2).train()
    ckpts = sorted(n for n in os.listdir(work) if n.endswith('.pth'))
    assert ckpts == ['epoch_2.pth', 'epoch_3.pth']
    assert not [n for n in os.listdir(work) if '.tmp' in n]
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read() == 'epoch_3.pth'


def test_new_run_refuses_to_overwrite_checkpoints(tmp_path):
    work = str(tmp_path / 'work')
    _toy_runner(work, max_epochs=1).train()
    with pytest.raises(FileExistsError, match='epoch_1.pth of another run'):
        _toy_runner(work, max_epochs=1).train()


def test_unwritable_checkpoint_dir_fails_before_training(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a directory')
    runner = _toy_runner(str(tmp_path / 'work'), out_dir=str(blocker))
    with pytest.raises(PermissionError, match='not writable'):
        runner.train()
    assert runner.iter == 0


def test_resume_without_checkpoint(tmp_path):
    work = str(tmp_path / 'work')
    runner = _toy_runner(work)
    runner._resume = 'auto'
    with pytest.raises(FileNotFoundError, match='auto-or-new'):
        runner.train()
    runner = _toy_runner(work, max_epochs=1)
    runner._resume = 'auto-or-new'
    runner.train()
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))


def test_eval_skip_policy_leaves_out_bad_videos(bad_data):
    """bad_eval_samples='skip': the undecodable video's line is dropped at
    build time, the other lines keep their numbers."""
    root, lists, good = bad_data
    dataset = _guarded(root, lists['moov_cut'], 'skip')
    assert len(dataset) == len(good)
    assert dataset.line_numbers[:3] == [1, 2, 4]
    assert f'{lists["moov_cut"]} line 4' in dataset.describe(2)
    assert dataset[2]['inputs'].shape[-3] == 8


def test_resume_refuses_checkpoint_of_another_model(tmp_path):
    """--resume of a checkpoint whose shapes differ stops (mmengine's
    resume only warns and trains on)."""
    work = str(tmp_path / 'work')
    _toy_runner(work, max_epochs=1).train()
    other = str(tmp_path / 'other')
    os.makedirs(other)
    state = torch.load(osp.join(work, 'epoch_1.pth'), map_location='cpu',
                       weights_only=False)
    state['state_dict']['linear.weight'] = torch.zeros(1, 3)
    torch.save(state, osp.join(other, 'epoch_1.pth'))
    runner = _toy_runner(other, max_epochs=2)
    runner._resume = 'auto'
    with pytest.raises(RuntimeError, match='size mismatch'):
        runner.train()


def test_iter_loop_counts_and_bounds_bad_samples(tmp_path):
    """An IterBasedTrainLoop config gets the bad-sample accounting of the
    epoch loop: each bad file logged once, counted per pass over the data,
    kept in checkpoints, bounded by max_bad_fraction."""
    toy = dict(type='ReliabilityToyData', num=8, bad=[3])
    runner = _toy_runner(str(tmp_path / 'bound'), dataset=toy,
                         train_cfg=dict(by_epoch=False, max_iters=10))
    with pytest.raises(RuntimeError, match='exceed max_bad_fraction=0.01'):
        runner.train()
    assert type(runner.train_loop).__name__ == 'ResumableIterBasedTrainLoop'
    work = str(tmp_path / 'work')
    runner = _toy_runner(
        work, dataset=toy, by_epoch=False, interval=5,
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=10,
                       max_bad_fraction=0.2))
    runner.train()
    assert type(runner.train_loop).__name__ == 'ResumableIterBasedTrainLoop'
    assert list(runner.train_loop.bad_samples) == [3]
    log = _run_log(work)
    # 8 samples, batch 2: passes of 4 iterations, the last one cut at 10
    assert log.count('Bad sample clip_3.mp4: OSError') == 1
    # met once a pass (a replacement may be drawn bad as well)
    for where in ('Data pass 1', 'Data pass 2'):
        failed = re.search(rf'{where}: (\d+) sample loads failed', log)
        assert failed and int(failed.group(1)) >= 1, log
    assert 'Data pass 3 (to iteration 10): ' in log
    meta = torch.load(osp.join(work, 'iter_10.pth'), map_location='cpu',
                      weights_only=False)['meta']
    assert list(meta['train_loop']['bad_samples']) == [3]


def test_iter_loop_resumes_mid_pass_exactly(tmp_path):
    """An iteration-based run stopped after iteration 6 (8 samples, batch
    2: pass 2, batch 3 of 4) and resumed from iter_6.pth gives the losses of
    the uninterrupted run, bit for bit, without reading the consumed
    batches again."""
    from reliability_utils import LossRecorderHook  # noqa: F401

    def run(name, max_iters, resume=False, work=None):
        out = str(tmp_path / f'{name}_loss')
        runner = _toy_runner(
            work or str(tmp_path / name),
            dataset=dict(type='ReliabilityToyData', num=8),
            train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
            custom_hooks=[dict(type='LossRecorderHook', out_file=out)],
            by_epoch=False, interval=3, max_keep_ckpts=-1)
        runner._resume = 'auto' if resume else False
        ReliabilityToyData.loads = []
        runner.train()
        with open(f'{out}.0') as f:
            rows = [json.loads(line) for line in f]
        return {r['iter']: r['loss'] for r in rows}

    ref = run('ref', 10)
    first = run('cut', 6)
    resumed = run('resumed', 10, resume=True, work=str(tmp_path / 'cut'))
    # iterations 7-10 only: 4 batches of 2, nothing read and dropped
    assert len(ReliabilityToyData.loads) == 8
    assert sorted(ref) == list(range(1, 11))
    assert first == {i: ref[i] for i in range(1, 7)}
    assert resumed == {i: ref[i] for i in range(7, 11)}
    assert 'ResumableSampler skips the 2 batches' in _run_log(
        str(tmp_path / 'cut'))


def test_iter_loop_restores_train_mode_only_when_needed(tmp_path):
    """The iteration loop puts the model in training mode when it is not
    (first iteration, after validation set it to eval), instead of walking
    every module at every iteration as mmengine's loop does."""
    from mmengine.hooks import Hook

    from umt_mm.registry import HOOKS

    @HOOKS.register_module(force=True)
    class ModeProbeHook(Hook):
        modes, train_calls = [], []

        def before_train(self, runner):
            model, train = runner.model, runner.model.train

            def counted(mode=True):
                if mode:  # eval() is train(False)
                    self.train_calls.append(runner.iter)
                return train(mode)

            model.train = counted

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            self.modes.append(runner.model.training)

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            if runner.iter == 2:  # as a validation run would
                runner.model.eval()

    runner = _toy_runner(
        str(tmp_path), train_cfg=dict(type='IterBasedTrainLoop', max_iters=6),
        custom_hooks=[dict(type='ModeProbeHook')], by_epoch=False,
        interval=10)
    runner.model.eval()
    runner.train()
    assert ModeProbeHook.modes == [True] * 6
    assert ModeProbeHook.train_calls == [0, 3]


@pytest.mark.parametrize('loop', ['EpochBasedTrainLoop', 'IterBasedTrainLoop'])
def test_loop_hands_detached_losses_to_the_hooks(tmp_path, loop):
    """The logged losses reach the after_train_iter hooks detached (the
    step's autograd graph is released before them), with the values of
    the step."""
    from mmengine.hooks import Hook

    from umt_mm.registry import HOOKS

    @HOOKS.register_module(force=True)
    class OutputsProbeHook(Hook):
        seen = []

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            loss = outputs['loss']
            logged = runner.message_hub.get_scalar('train/loss').current()
            self.seen.append((loss.requires_grad, loss.grad_fn,
                              logged == loss.item()))

    key = 'max_epochs' if loop.startswith('Epoch') else 'max_iters'
    runner = _toy_runner(str(tmp_path), train_cfg={'type': loop, key: 2},
                         custom_hooks=[dict(type='OutputsProbeHook')],
                         by_epoch=loop.startswith('Epoch'), interval=10)
    runner.train()
    assert OutputsProbeHook.seen and all(
        s == (False, None, True) for s in OutputsProbeHook.seen)


def test_step_seeds_are_derive_seed_in_chunks():
    from umt_mm.datasets.guarded import derive_seed
    from umt_mm.engine.loops import StepSeeds
    seeds = StepSeeds(chunk=4)
    # forwards across chunk ends, back (a resume), another run seed / rank
    for seed, it, rank in [(0, 0, 0), (0, 3, 0), (0, 4, 0), (0, 9, 0),
                           (0, 2, 0), (7, 2, 0), (7, 2, 1), (7, 3, 1)]:
        assert seeds(seed, it, rank) == derive_seed(seed, it, rank)


def test_runner_fixes_malloc_thresholds_unless_told_not_to(tmp_path,
                                                           monkeypatch):
    from umt_mm.engine import runner as runner_module
    from umt_mm.engine.malloc import DEFAULT_MALLOC
    calls = []
    monkeypatch.setattr(runner_module, 'tune_malloc',
                        lambda **kw: calls.append(kw))
    _toy_runner(str(tmp_path / 'a'))
    assert calls == [DEFAULT_MALLOC]
    _toy_runner(str(tmp_path / 'b'),
                env_cfg=dict(malloc=dict(trim_threshold=1 << 20)))
    assert calls[-1] == dict(trim_threshold=1 << 20)
    _toy_runner(str(tmp_path / 'c'), env_cfg=dict(malloc=None))
    assert len(calls) == 2
    with pytest.raises(ValueError, match='env_cfg.malloc must be None or'):
        _toy_runner(str(tmp_path / 'd'),
                    env_cfg=dict(malloc=dict(trim=1 << 20)))


def test_error_text_is_the_same_in_every_run():
    """Error texts in bad-sample logs, scan lists and manifests: first line,
    without decord's time of day (two scans of the same file straddling a
    second compared unequal), capped."""
    from umt_mm.datasets.guarded import error_text
    err = RuntimeError('[05:37:08] src/video/video_reader.cc:151: Check '
                       'failed: st_nb >= 0\nStack trace:\n  [bt] (0) x')
    assert error_text(err) == ('RuntimeError: src/video/video_reader.cc:151:'
                               ' Check failed: st_nb >= 0')
    assert error_text(ValueError('x' * 400)) == 'ValueError: ' + 'x' * 285 \
        + '...'
    assert len(error_text(ValueError('x' * 400))) == 300
    assert error_text(OSError()) == 'OSError:'
