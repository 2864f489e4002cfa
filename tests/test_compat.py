"""Tests for umt_mm.compat: each fails when its fix is removed."""
import os
import pickle
import sys
import types

import numpy as np
import pytest
import torch
import torch.nn as nn

import umt_mm  # noqa: F401  (applies the compat patches)
from umt_mm import compat


@pytest.fixture(autouse=True)
def _restore_mmengine_global_instances():
    """Runners/MessageHubs created here must not become the current
    DefaultScope/MessageHub/Visualizer of tests that run after these."""
    from mmengine.logging import MessageHub
    from mmengine.registry import DefaultScope
    from mmengine.visualization import Visualizer
    saved = {
        cls: dict(cls._instance_dict)
        for cls in (DefaultScope, MessageHub, Visualizer)
    }
    yield
    for cls, instances in saved.items():
        cls._instance_dict.clear()
        cls._instance_dict.update(instances)


# ---------------------------------------------------------------- a. DRN
def test_import_mmaction_models_after_umt_mm():
    import mmaction.models  # noqa: F401
    from mmaction.models.localizers import BMN, DRN  # noqa: F401
    assert getattr(DRN, '_umt_mm_placeholder', False)


def test_drn_placeholder_registered_when_missing(monkeypatch):
    for name in compat._DRN_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert compat.fix_mmaction_missing_drn() is True
    from mmaction.models.localizers.drn import DRN as DRN2
    from mmaction.models.localizers.drn.drn import DRN
    assert DRN is DRN2
    with pytest.raises(ImportError, match='mmaction2 1.2.0 wheel'):
        DRN()
    # idempotent: a second call changes nothing
    assert compat.fix_mmaction_missing_drn() is False
    assert sys.modules['mmaction.models.localizers.drn.drn'].DRN is DRN


def test_drn_placeholder_not_used_when_real_package_exists(
        monkeypatch, tmp_path):
    (tmp_path / 'models' / 'localizers' / 'drn').mkdir(parents=True)
    (tmp_path / 'models' / 'localizers' / 'drn' / '__init__.py').write_text('')
    fake_spec = types.SimpleNamespace(submodule_search_locations=[
        str(tmp_path)
    ])
    real_find_spec = compat.importlib.util.find_spec
    monkeypatch.setattr(
        compat.importlib.util, 'find_spec', lambda name, *a: fake_spec
        if name == 'mmaction' else real_find_spec(name, *a))
    for name in compat._DRN_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert compat.fix_mmaction_missing_drn() is False
    assert compat._DRN_MODULES[1] not in sys.modules


# ------------------------------------------- transformers (no patch needed)
def test_pinned_transformers_keeps_modeling_utils_helpers():
    """mmaction (VindLU), mmpretrain (BLIP, RAM) and mmdet (GLIP) import
    these from ``transformers.modeling_utils``; transformers >= 4.50 moved
    them, which is why tools/env.sh pins ``transformers<4.50`` instead of
    patching. Fails if the pin is lifted."""
    import transformers.modeling_utils as mu
    names = ('apply_chunking_to_forward', 'find_pruneable_heads_and_indices',
             'prune_linear_layer', 'GenerationConfig', 'GenerationMixin',
             'PretrainedConfig')
    assert [n for n in names if not hasattr(mu, n)] == []


# -------------------------------------------------------------- b. numpy
NUMPY_ALIASES = ('in1d', 'trapz', 'NAN', 'Inf')


@pytest.fixture
def numpy_without_aliases(monkeypatch):
    """numpy as numpy 2 ships it (the compat aliases removed)."""
    for name in NUMPY_ALIASES:
        if name in vars(np):
            monkeypatch.delattr(np, name)
    return np


def test_numpy_aliases_values(numpy_without_aliases):
    if np.__version__.startswith('1.'):
        pytest.skip('numpy 1.x still has the aliases')
    assert sorted(compat.fix_numpy2_removed_aliases()) == sorted(
        NUMPY_ALIASES)
    assert np.isnan(np.NAN) and np.Inf == np.inf
    np.testing.assert_array_equal(
        np.in1d(np.array([[1, 2], [3, 4]]), [2, 3]),
        [False, True, True, False])
    np.testing.assert_array_equal(
        np.in1d([1, 2, 3], [2], invert=True), [True, False, True])
    assert np.trapz([0., 1., 2.], [0., 1., 3.]) == pytest.approx(3.5)
    assert compat.fix_numpy2_removed_aliases() == []


def test_np_in1d_in_mmaction_retrieval_recall(numpy_without_aliases):
    from mmaction.evaluation.metrics.multimodal_metric import RetrievalRecall
    pred = torch.tensor([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1],
                         [0.1, 0.2, 0.7]])
    target = [torch.tensor([0]), torch.tensor([0]), torch.tensor([0])]
    compat.fix_numpy2_removed_aliases()
    r1, r2 = RetrievalRecall.calculate(
        pred, target, topk=(1, 2), target_indices=True)
    assert float(r1) == pytest.approx(100 / 3)
    assert float(r2) == pytest.approx(200 / 3)


def test_np_trapz_in_mmaction_average_recall(numpy_without_aliases):
    from mmaction.evaluation.functional import average_recall_at_avg_proposals
    compat.fix_numpy2_removed_aliases()
    gt = {'v': np.array([[0., 10.]])}
    proposals = {'v': np.array([[0., 10., 1.]])}
    recall, avg_recall, _, auc = average_recall_at_avg_proposals(
        gt, proposals, total_num_proposals=1, max_avg_proposals=1)
    # one perfect proposal is only retrieved at the last percentile, so the
    # curve is 0 ... 0, 1 and the trapezoid area is 0.5 % of the x-range
    assert avg_recall[-1] == 1 and avg_recall[:-1].sum() == 0
    assert auc == pytest.approx(0.5)


def test_np_inf_nan_in_mmaction_code(numpy_without_aliases):
    from mmaction.evaluation.functional.ava_evaluation import metrics
    compat.fix_numpy2_removed_aliases()
    # compute_average_precision returns np.NAN for no ground truth
    assert np.isnan(metrics.compute_average_precision(None, None))
    from mmaction.datasets.transforms import PoseCompact
    kp = np.array([[[[10., 20.], [30., 40.]]]], dtype=np.float32)
    out = PoseCompact(padding=0., threshold=0, hw_ratio=None)(
        dict(img_shape=(64, 64), keypoint=kp.copy()))
    assert out['img_shape'] == (20, 20)  # uses np.Inf as min/max initial


# ------------------------------------------------ c. ColorJitter hue NEP50
def _rgb_image(seed=0, shape=(6, 7, 3)):
    return np.random.RandomState(seed).randint(
        0, 256, size=shape).astype(np.uint8)


@pytest.mark.parametrize('factor', [-0.5, -0.2, -0.01, 0.0, 0.3, 0.5])
def test_mmaction_colorjitter_adjust_hue_numpy1_semantics(factor):
    import cv2
    from mmaction.datasets.transforms import ColorJitter
    img = _rgb_image(2, (9, 9, 3)).astype(np.float32)
    hsv = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_RGB2HSV)
    offset = int(factor * 255)
    hue = hsv[..., 0].astype(np.int64)
    # numpy 1.x: negative offset -> int16 math; 0..255 -> uint8 (wraps)
    shifted = hue + offset if offset < 0 else (hue + offset) % 256
    hsv[..., 0] = shifted % 180
    expected = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)
    np.testing.assert_array_equal(
        ColorJitter.adjust_hue(img, factor), expected)


def test_mmaction_colorjitter_transform_negative_hue():
    from mmaction.datasets.transforms import ColorJitter
    np.random.seed(0)
    jitter = ColorJitter(
        brightness=0, contrast=0, saturation=0, hue=(-0.4, -0.2))
    imgs = [_rgb_image(i) for i in range(2)]
    out = jitter(dict(imgs=list(imgs)))['imgs']
    assert len(out) == 2 and out[0].dtype == np.uint8
    assert not np.array_equal(out[0], imgs[0])


def test_colorjitter_hue_fix_idempotent():
    from mmaction.datasets.transforms import ColorJitter
    assert compat.fix_colorjitter_hue_overflow() is False
    assert ColorJitter.adjust_hue is compat._colorjitter_adjust_hue


# --------------------------------------------------- d. torch.load safety
class _TinyModel(nn.Module):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)


class _Interrupt(Exception):
    pass


def _build_runner(work_dir, name, resume=False, interrupt_after=None):
    from mmengine.hooks import Hook
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch.utils.data import Dataset

    class Model(BaseModel):

        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)
            self.n_forward = 0

        def forward(self, x, y, mode='tensor'):
            self.n_forward += 1
            out = self.fc(torch.stack(x))
            if mode == 'loss':
                return dict(loss=((out - torch.stack(y))**2).mean())
            return out

    class Data(Dataset):

        def __len__(self):
            return 8

        def __getitem__(self, i):
            return dict(x=torch.full((2, ), i / 8.), y=torch.ones(1))

    class InterruptHook(Hook):
        priority = 'LOWEST'  # after CheckpointHook has saved

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            if runner.iter + 1 == interrupt_after:
                raise _Interrupt

    torch.manual_seed(0)
    return Runner(
        model=Model(),
        work_dir=str(work_dir),
        experiment_name=name,
        train_dataloader=dict(
            dataset=Data(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=dict(
            type='MultiStepLR', milestones=[3], gamma=0.1, by_epoch=False),
        train_cfg=dict(by_epoch=False, max_iters=4),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2,
                            by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[InterruptHook()] if interrupt_after else None,
        resume=resume,
        default_scope='mmengine')


def test_runner_checkpoint_resumes_with_weights_only(tmp_path):
    interrupted = _build_runner(tmp_path / 'run', 'first', interrupt_after=2)
    with pytest.raises(_Interrupt):
        interrupted.train()
    ckpt = tmp_path / 'run' / 'iter_2.pth'
    assert ckpt.exists()
    # Without the allowlist the checkpoint needs these globals; every one
    # of them is covered by the names compat registers.
    registered = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        unsafe = set(
            torch.serialization.get_unsafe_globals_in_checkpoint(str(ckpt)))
    finally:
        torch.serialization.add_safe_globals(registered)
    assert 'mmengine.logging.history_buffer.HistoryBuffer' in unsafe
    allowed = {
        item[1] if isinstance(item, tuple) else
        f'{item.__module__}.{item.__qualname__}'
        for item in compat.mmengine_checkpoint_safe_globals()
    }
    assert unsafe <= allowed, unsafe - allowed

    resumed = _build_runner(tmp_path / 'run', 'second', resume=True)
    resumed.train()
    assert resumed.iter == 4
    assert resumed.model.n_forward == 2  # only iterations 3 and 4 ran
    assert (tmp_path / 'run' / 'iter_4.pth').exists()
    losses = resumed.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 4  # log history restored from the checkpoint

    # same result as an uninterrupted run: weights, momentum and LR schedule
    reference = _build_runner(tmp_path / 'ref', 'reference')
    reference.train()
    for p, q in zip(resumed.model.parameters(),
                    reference.model.parameters()):
        torch.testing.assert_close(p, q)
    assert resumed.optim_wrapper.get_lr() == reference.optim_wrapper.get_lr()
    assert resumed.optim_wrapper.get_lr()['lr'][0] == pytest.approx(0.01)


def test_exact_safe_globals_load_message_hub_checkpoint(tmp_path):
    from mmengine.logging import MessageHub
    hub = MessageHub('umt_compat_test')
    hub.update_scalar('train/loss', np.float32(1.5))
    hub.update_scalar('train/acc', np.int64(3))
    hub.update_scalar('train/top1', np.float64(0.25))
    hub.update_info('iter', 2)
    path = tmp_path / 'hub.pth'
    torch.save(dict(message_hub=hub.state_dict(), state_dict={}), path)
    loaded = torch.load(path, map_location='cpu')  # weights_only default
    scalars = loaded['message_hub']['log_scalars']
    assert scalars['train/loss'].current() == pytest.approx(1.5)
    assert scalars['train/acc'].mean() == 3
    assert scalars['train/top1'].mean() == pytest.approx(0.25)
    assert loaded['message_hub']['runtime_info']['iter'] == 2


def test_allowlist_survives_reading_a_checkpoint(tmp_path):
    """umt_mm's checkpoint reader must leave the process-wide allow-list in
    place (torch.serialization.safe_globals() removes its globals on exit,
    also ones registered before): mmengine's own loading (resume, load_from)
    in the same process still needs it."""
    from mmengine.logging import MessageHub

    from umt_mm.checkpoint.reader import read_checkpoint
    plain = tmp_path / 'plain.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}}, plain)
    read_checkpoint(str(plain))
    hub = MessageHub('umt_compat_reader_test')
    hub.update_scalar('train/loss', np.float32(1.5))
    path = tmp_path / 'hub.pth'
    torch.save(dict(message_hub=hub.state_dict()), path)
    loaded = torch.load(path, map_location='cpu')  # weights_only default
    assert loaded['message_hub']['log_scalars']['train/loss'].current() == \
        pytest.approx(1.5)


class _SystemCall:

    def __init__(self, cmd):
        self.cmd = cmd

    def __reduce__(self):
        return (os.system, (self.cmd, ))


class _GetattrGadget:

    def __reduce__(self):
        from mmengine.logging.history_buffer import HistoryBuffer
        return (getattr, (HistoryBuffer, '__init__'))


@pytest.mark.parametrize('payload', ['system', 'getattr'])
def test_malicious_checkpoint_still_refused(tmp_path, payload):
    from mmengine.runner.checkpoint import load_checkpoint
    marker = tmp_path / 'pwned'
    evil = _SystemCall(f'touch {marker}') if payload == 'system' \
        else _GetattrGadget()
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict=_TinyModel().state_dict(), x=evil), path)
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(_TinyModel(), str(path), map_location='cpu')
    assert not marker.exists()


def test_history_buffer_getattr_is_restricted():
    from mmengine.logging.history_buffer import HistoryBuffer
    assert compat._history_buffer_getattr(HistoryBuffer,
                                          'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError):
        compat._history_buffer_getattr(HistoryBuffer, '__init__')
    with pytest.raises(pickle.UnpicklingError):
        compat._history_buffer_getattr(os, 'system')


def test_apply_compat_patches_idempotent():
    compat.apply_compat_patches()
    compat.apply_compat_patches()
    assert 'in1d' in vars(np)
