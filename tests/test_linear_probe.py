"""tools/analysis/linear_probe.py: frozen-backbone feature caching and a
linear classifier on the demo data (configs/umt/linear-probe_demo.py)."""
import json
import os
import os.path as osp
import re
import shutil

import pytest
import torch

CONFIG = 'configs/umt/linear-probe_demo.py'
TOOL = 'tools/analysis/linear_probe.py'


@pytest.fixture(scope='module')
def tool():
    from tools.analysis import linear_probe
    return linear_probe


@pytest.fixture(scope='module')
def tiny_ckpt(stage1_run, tmp_path_factory):
    """A copy (the tests touch its mtime) of the shared stage-1 run's last
    checkpoint, whose student is the config's tiny backbone."""
    path = str(tmp_path_factory.mktemp('lp_ckpt') / 'stage1.pth')
    shutil.copyfile(stage1_run.checkpoint(), path)
    return path


def data_options(demo_data):
    opts = ['--cfg-options']
    for split, ann in (('train', 'train_list.txt'), ('val', 'val_list.txt')):
        opts += [f'{split}_dataloader.dataset.ann_file={demo_data}/{ann}',
                 f'{split}_dataloader.dataset.data_prefix.video={demo_data}',
                 f'{split}_dataloader.num_workers=0']
    return opts


def test_linear_probe_tool_caches_features(tmp_path, demo_data, tiny_ckpt,
                                           run_tool, tool, monkeypatch,
                                           capsys):
    work = str(tmp_path / 'work')
    args = [CONFIG, tiny_ckpt, '--work-dir', work, '--epochs', '5',
            *data_options(demo_data)]
    res = run_tool(TOOL, *args, timeout=120).check()
    assert 'Extracting train features' in res.output
    assert 'Epoch [5/5] loss:' in res.output
    caches = [osp.join(work, f'features_{s}.pt') for s in ('train', 'val')]
    mtimes = [os.stat(p).st_mtime_ns for p in caches]
    train = torch.load(caches[0])
    assert train['features'].shape == (16, 64) and len(train['labels']) == 16
    assert sorted(train['labels'].tolist()) == sorted([0, 1, 2, 3] * 4)
    assert torch.load(caches[1])['features'].shape == (8, 64)
    top1 = float(re.search(r'^top1: ([0-9.]+)$', res.stdout, re.M).group(1))
    assert top1 * 8 == pytest.approx(round(top1 * 8))  # 8 val videos
    with open(osp.join(work, 'linear_probe.json')) as f:
        result = json.load(f)
    assert result['top1'] == pytest.approx(top1, abs=1e-4)
    assert result['num_train'] == 16 and result['num_val'] == 8
    assert result['top5'] == 1.  # 4 classes: every label is in the top 5

    # the same command again (the tool's main(), in-process) reuses both
    # caches: no backbone is built and no cache is rewritten
    def no_backbone(*unused, **kwargs):
        raise AssertionError('features extracted again')

    monkeypatch.setattr(tool, 'build_frozen_backbone', no_backbone)
    again = tool.main([osp.join(tool.REPO_ROOT, CONFIG), *args[1:]])
    assert [os.stat(p).st_mtime_ns for p in caches] == mtimes
    assert again['num_train'] == 16 and again['num_val'] == 8
    assert f"top1: {again['top1']:.4f}" in capsys.readouterr().out
    with open(osp.join(work, 'linear_probe.json')) as f:
        assert json.load(f) == again


def test_backbone_frozen_and_cache_key(tmp_path, demo_data, tiny_ckpt, tool,
                                       monkeypatch):
    built = []
    build = tool.build_frozen_backbone

    def recording_build(*args, **kwargs):
        models = build(*args, **kwargs)
        built.append((models, {k: v.clone() for k, v in
                               models[1].state_dict().items()}))
        return models

    monkeypatch.setattr(tool, 'build_frozen_backbone', recording_build)
    work = str(tmp_path / 'work')
    result = tool.main([osp.join(tool.REPO_ROOT, CONFIG), tiny_ckpt,
                        '--work-dir', work, '--epochs', '3',
                        *data_options(demo_data)])
    assert result['top1'] * 8 == pytest.approx(round(result['top1'] * 8))
    assert len(built) == 1  # one backbone for both splits
    (preprocessor, backbone), before = built[0]
    # loaded from the checkpoint, frozen, and untouched by the tool
    saved = torch.load(tiny_ckpt)['state_dict']
    for name, value in backbone.state_dict().items():
        assert torch.equal(value, before[name]), name
        if 'backbone.' + name in saved and name != 'pos_embed':
            assert torch.equal(value, saved['backbone.' + name]), name
    assert not any(p.requires_grad for p in backbone.parameters())
    assert not backbone.training
    # eval mode: the config's drop_path_rate 0.1 is off, features repeat
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(tool.REPO_ROOT, CONFIG))
    cfg.merge_from_dict({
        'val_dataloader.dataset.ann_file': f'{demo_data}/val_list.txt',
        'val_dataloader.dataset.data_prefix.video': demo_data,
        'val_dataloader.num_workers': 0})
    from mmengine.runner import Runner
    loader = Runner.build_dataloader(cfg.val_dataloader)
    feats, labels = tool.extract_features(preprocessor, backbone, loader)
    cached = torch.load(osp.join(work, 'features_val.pt'))
    assert torch.allclose(feats, cached['features'], atol=1e-6)
    assert torch.equal(labels, cached['labels'])
    # a rewritten checkpoint invalidates the cache key
    key = tool.cache_key(cfg, tiny_ckpt, cfg.val_dataloader)
    assert key == cached['key']
    st = os.stat(tiny_ckpt)
    os.utime(tiny_ckpt, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert tool.cache_key(cfg, tiny_ckpt, cfg.val_dataloader) != key
