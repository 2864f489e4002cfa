"""umt_mm.engine.schedulers: lr schedulers given in lrs are mmengine's
ratio schedulers step for step; every config's schedulers give the lrs they
gave before the configs were rewritten with them
(``param_scheduler_lrs.json``)."""
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import CosineAnnealingLR, LinearLR, OptimWrapper
from mmengine.registry import init_default_scope

from umt_mm.engine.schedulers import (ScaledCosineAnnealingLR, ScaledLinearLR,
                                      configured_lr)
from umt_mm.registry import PARAM_SCHEDULERS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: lrs of each config's schedulers, recorded from the configs as they were
#: at commit 896bc02 (ratios written out in every child) by
#: :func:`lr_samples`
RECORDED = osp.join(osp.dirname(osp.abspath(__file__)),
                    'param_scheduler_lrs.json')
EPOCH_LENGTH = 3
#: group lrs as multiples of the configured lr: auto_scale_lr x2 and a
#: layer-decayed group (x2 x 0.75)
GROUP_SCALES = (2.0, 1.5)


def _wrapper(lr, scales=GROUP_SCALES):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in scales]
    optim = torch.optim.AdamW(
        [dict(params=[p], lr=lr * s) for p, s in zip(params, scales)], lr=lr)
    return OptimWrapper(optim)


def _run(schedulers, optim_wrapper, steps):
    lrs = []
    for _ in range(steps):
        lrs.append([g['lr'] for g in optim_wrapper.param_groups])
        for s in schedulers:
            s.step()
    return lrs


def test_scaled_schedulers_are_mmengines_ratio_schedulers():
    lr, warmup_lr, min_lr = 2e-4, 1e-6, 1e-5
    ours, theirs = _wrapper(lr), _wrapper(lr)
    a = [ScaledLinearLR(ours, start_lr=warmup_lr, begin=0, end=5,
                        by_epoch=False),
         ScaledCosineAnnealingLR(ours, min_lr=min_lr, begin=5, end=20,
                                 by_epoch=False)]
    b = [LinearLR(theirs, start_factor=warmup_lr / lr, begin=0, end=5,
                  by_epoch=False),
         CosineAnnealingLR(theirs, eta_min_ratio=min_lr / lr, begin=5,
                           end=20, by_epoch=False)]
    got, want = _run(a, ours, 20), _run(b, theirs, 20)
    assert got == want
    # warm-up start and floor follow each group's (scaled) lr
    assert got[0][0] == pytest.approx(warmup_lr * 2.0)
    assert got[0][1] == pytest.approx(warmup_lr * 1.5)
    assert got[5][0] == pytest.approx(lr * 2.0)
    assert a[0].state_dict().keys() == b[0].state_dict().keys()


def test_scaled_schedulers_build_from_config():
    init_default_scope('mmaction')
    wrapper = _wrapper(1e-4)
    sched = PARAM_SCHEDULERS.build(
        dict(type='ScaledCosineAnnealingLR', min_lr=1e-6, by_epoch=True,
             begin=1, end=5, convert_to_iter_based=True),
        default_args=dict(optimizer=wrapper, epoch_length=4))
    assert (sched.begin, sched.end, sched.T_max) == (4, 20, 16)
    assert sched.eta_min_ratio == 1e-6 / 1e-4


def test_run_shorter_than_the_warm_up():
    """train_cfg.max_epochs=1 with a 2-epoch warm-up: the cosine (end from
    the runner) is never reached; the warm-up runs as before."""
    init_default_scope('mmaction')
    wrapper = _wrapper(1e-4)
    built = [PARAM_SCHEDULERS.build(
        dict(sched, end=sched.get('end', 1), convert_to_iter_based=True),
        default_args=dict(optimizer=wrapper, epoch_length=4))
        for sched in (dict(type='ScaledLinearLR', start_lr=1e-6, begin=0,
                           end=2),
                      dict(type='ScaledCosineAnnealingLR', min_lr=1e-6,
                           begin=2))]
    assert (built[1].begin, built[1].end) == (8, 9)
    lrs = _run(built, wrapper, 4)
    assert lrs[0][0] == pytest.approx(1e-6 * 2.0)
    # mmengine's LinearLR reaches the lr at its last step (8 - 1)
    assert lrs[3][0] == pytest.approx((1e-6 + 3 / 7 * (1e-4 - 1e-6)) * 2.0)


def test_configured_lr_and_errors():
    wrapper = _wrapper(3e-4)
    for group in wrapper.param_groups:  # what auto_scale_lr does
        group['lr'] *= 4
    assert configured_lr(wrapper) == configured_lr(wrapper.optimizer) == 3e-4
    with pytest.raises(TypeError, match='start_lr, not start_factor'):
        ScaledLinearLR(wrapper, start_lr=1e-6, start_factor=0.1)
    with pytest.raises(TypeError, match='min_lr, not eta_min'):
        ScaledCosineAnnealingLR(wrapper, min_lr=1e-6, eta_min=0.0)

    class NoLr(torch.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, dict(momentum=0.9))

    no_lr = NoLr([torch.nn.Parameter(torch.zeros(1))])
    with pytest.raises(ValueError, match='optim_wrapper.optimizer.lr'):
        ScaledLinearLR(no_lr, start_lr=1e-6)


def lr_samples(cfg):
    """Each group's lr at a few steps of ``cfg``'s schedulers on a tiny
    2-group optimizer (:data:`GROUP_SCALES`), ``EPOCH_LENGTH`` iterations
    per epoch; a scheduler without ``end`` ends at ``train_cfg.max_epochs``
    (``max_iters``) as in ``Runner.build_param_scheduler``."""
    train = cfg.train_cfg
    wrapper = _wrapper(cfg.optim_wrapper.optimizer.lr)
    schedulers = []
    for sched in cfg.param_scheduler:
        sched = dict(sched)
        by_epoch = sched.get('by_epoch', True)
        sched.setdefault('end', train.max_epochs if by_epoch
                         else train.max_iters)
        schedulers.append(PARAM_SCHEDULERS.build(
            sched, default_args=dict(optimizer=wrapper,
                                     epoch_length=EPOCH_LENGTH)))
    total = (train.max_epochs * EPOCH_LENGTH if 'max_epochs' in train
             else train.max_iters)
    steps = sorted({0, 1, total // 10, total // 4, total // 2,
                    3 * total // 4, total - 1})
    samples = {}
    for step in range(total):
        if step in steps:
            samples[step] = [g['lr'] for g in wrapper.param_groups]
        for s in schedulers:
            if not s.by_epoch:
                s.step()
        if (step + 1) % EPOCH_LENGTH == 0:
            for s in schedulers:
                if s.by_epoch:
                    s.step()
    return {str(k): v for k, v in samples.items()}


with open(RECORDED, encoding='utf-8') as _f:
    _RECORDED = json.load(_f)


@pytest.mark.parametrize('config', sorted(_RECORDED))
def test_config_lrs_unchanged(config):
    init_default_scope('mmaction')
    cfg = Config.fromfile(osp.join(REPO, config))
    got = lr_samples(cfg)
    want = _RECORDED[config]
    assert got.keys() == want.keys()
    for step, lrs in want.items():
        assert got[step] == pytest.approx(lrs, rel=1e-12, abs=0), (
            config, step)
