"""Tests for umt_mm.compat: each fails when its fix is removed."""
import os
import pickle
import subprocess
import sys
import types

import numpy as np
import pytest
import torch
import torch.nn as nn

import umt_mm  # noqa: F401  (applies the compat patches)
from umt_mm import compat

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
    from mmaction.models.localizers.drn.drn import DRN
    from mmaction.models.localizers.drn import DRN as DRN2
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


# ------------------------------------------------------- b. transformers
def test_transformers_modeling_utils_aliases(monkeypatch):
    import transformers.modeling_utils as mu
    import transformers.pytorch_utils as pu
    moved = [
        'apply_chunking_to_forward', 'find_pruneable_heads_and_indices',
        'prune_linear_layer'
    ]
    for name in moved:
        monkeypatch.delattr(mu, name, raising=False)
    with pytest.raises(ImportError):
        from transformers.modeling_utils import \
            apply_chunking_to_forward  # noqa: F401
    added = compat.fix_transformers_modeling_utils(mu)
    assert sorted(added) == sorted(moved)
    # the exact import statement used by mmaction/mmpretrain now works
    from transformers.modeling_utils import (apply_chunking_to_forward,
                                             find_pruneable_heads_and_indices,
                                             prune_linear_layer)
    assert apply_chunking_to_forward is pu.apply_chunking_to_forward
    assert find_pruneable_heads_and_indices is \
        pu.find_pruneable_heads_and_indices
    assert prune_linear_layer is pu.prune_linear_layer
    assert compat.fix_transformers_modeling_utils(mu) == []


def test_transformers_aliases_on_bare_module():
    bare = types.ModuleType('transformers.modeling_utils')
    added = compat.fix_transformers_modeling_utils(bare)
    assert set(added) == set(compat.TRANSFORMERS_MODELING_UTILS_NAMES)
    import transformers
    assert bare.GenerationConfig is transformers.GenerationConfig
    assert bare.PretrainedConfig is transformers.PretrainedConfig


# -------------------------------------------------------------- c. numpy
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


# ----------------------------------------------------------- d. hue NEP50
def _rgb_image(seed=0, shape=(6, 7, 3)):
    return np.random.RandomState(seed).randint(
        0, 256, size=shape).astype(np.uint8)


def _reference_mmcv_hue(img, factor):
    """numpy-1.x result of mmcv.adjust_hue (cv2 backend), in Python ints."""
    import cv2
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV_FULL)
    shift = int(factor * 255) % 256  # numpy 1.x uint8 cast wraps
    hsv[..., 0] = (hsv[..., 0].astype(np.int64) + shift) % 256
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL)


@pytest.mark.parametrize('factor', [-0.5, -0.1, 0.1, 0.37])
def test_mmcv_adjust_hue_negative_factor(factor):
    import mmcv
    img = _rgb_image()
    np.testing.assert_array_equal(
        mmcv.adjust_hue(img, factor), _reference_mmcv_hue(img, factor))
    np.testing.assert_array_equal(
        mmcv.image.photometric.adjust_hue(img, factor, backend='cv2'),
        _reference_mmcv_hue(img, factor))


def test_mmcv_adjust_hue_pillow_backend_negative_factor():
    import mmcv
    from PIL import Image
    img = _rgb_image(1)
    out = mmcv.adjust_hue(img, -0.1, backend='pillow')
    h, s, v = Image.fromarray(img[..., ::-1], mode='RGB').convert(
        'HSV').split()
    h = Image.fromarray(
        ((np.array(h, dtype=np.int64) + 231) % 256).astype(np.uint8), 'L')
    expected = np.array(
        Image.merge('HSV', (h, s, v)).convert('RGB'))[..., ::-1]
    np.testing.assert_array_equal(out, expected)


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


def test_hue_fix_idempotent():
    assert compat.fix_hue_uint8_overflow(force=True) == []


# --------------------------------------------------- e. torch.load safety
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


# --------------------------------------------------------- f. mmcv c++ std
SAMPLE_SETUP_PY = """
        extra_compile_args = {
            'nvcc': [cuda_args, '-std=c++14'] if cuda_args else ['-std=c++14'],
            'cxx': ['-std=c++14'],
        }
            if parse_version(torch.__version__) <= parse_version('1.12.1'):
                extra_compile_args['cxx'] = ['-std=c++14']
            else:
                extra_compile_args['cxx'] = ['-std=c++17']
            if parse_version(torch.__version__) <= parse_version('1.12.1'):
                extra_compile_args['cxx'] = ['/std:c++14']
            else:
                extra_compile_args['cxx'] = ['/std:c++17']
            extra_compile_args['cxx'] = ['-Wall', '-std=c++17']
        # the argument ['std=c++14'] must be added here.
"""


def test_patch_mmcv_setup_py_rewrites_every_flag():
    text, n = compat.patch_mmcv_setup_py(SAMPLE_SETUP_PY, 'c++20')
    assert n == 8
    assert '-std=c++14' not in text and '-std=c++17' not in text
    assert '/std:c++14' not in text and '/std:c++17' not in text
    assert text.count('-std=c++20') == 6 and text.count('/std:c++20') == 2
    assert "['std=c++14']" in text  # a comment, not a flag: left alone
    with pytest.raises(ValueError):
        compat.patch_mmcv_setup_py(SAMPLE_SETUP_PY, 'c++20; rm -rf /')


def test_mmcv_cxx_std_flag_rule():
    assert compat.mmcv_cxx_std_flag('2.14.1') == 'c++20'
    assert compat.mmcv_cxx_std_flag('2.14.1+cu130') == 'c++20'
    assert compat.mmcv_cxx_std_flag('2.5.1') == 'c++17'
    assert compat.torch_cxx_std_from_source(
        "cpp_flag = cpp_flag_prefix + 'c++17'") == 'c++17'
    import torch.utils.cpp_extension as ce
    detected = compat.mmcv_cxx_std_flag(torch.__version__, ce.__file__)
    if compat._version_tuple(torch.__version__)[:2] >= (2, 13):
        assert detected == 'c++20'  # read from the installed torch


def test_compat_cli_patches_setup_py(tmp_path):
    setup_py = tmp_path / 'setup.py'
    setup_py.write_text(SAMPLE_SETUP_PY)
    script = os.path.join(REPO_ROOT, 'umt_mm', 'compat.py')
    std = subprocess.run([sys.executable, script, 'mmcv-cxx-std'],
                         check=True, capture_output=True,
                         text=True).stdout.strip()
    assert std == compat.mmcv_cxx_std_flag(
        torch.__version__,
        os.path.join(os.path.dirname(torch.__file__), 'utils',
                     'cpp_extension.py'))
    subprocess.run([sys.executable, script, 'patch-mmcv-setup',
                    str(setup_py), 'c++20'], check=True, capture_output=True)
    assert '-std=c++1' not in setup_py.read_text()


def test_apply_compat_patches_idempotent():
    compat.apply_compat_patches()
    compat.apply_compat_patches()
    assert 'in1d' in vars(np)
