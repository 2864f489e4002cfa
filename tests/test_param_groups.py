"""Optimizer parameter groups with equal settings merged (UMTRunner)."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.optim import build_optim_wrapper

from umt_mm.engine.param_groups import (merge_optimizer_groups,
                                        merge_param_groups)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PARAMWISE = dict(norm_decay_mult=0.0, bias_decay_mult=0.0,
                 custom_keys={'.pos': dict(decay_mult=0.0)})


class Tiny(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.pos = torch.nn.Parameter(torch.randn(1, 4))
        self.blocks = torch.nn.Sequential(*[
            torch.nn.Sequential(torch.nn.LayerNorm(4), torch.nn.Linear(4, 4))
            for _ in range(5)
        ])

    def forward(self, x):
        return self.blocks(x + self.pos)


def _settings(optimizer, model):
    """Per parameter name: its group's settings (all but params/names)."""
    of = {id(p): g for g in optimizer.param_groups for p in g['params']}
    return {
        n: {k: v for k, v in of[id(p)].items()
            if k not in ('params', 'param_name', 'param_names')}
        for n, p in model.named_parameters()
    }


def test_merge_keeps_every_setting_and_name():
    torch.manual_seed(0)
    model = Tiny()
    cfg = dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
               paramwise_cfg=PARAMWISE)
    ref = build_optim_wrapper(model, copy.deepcopy(cfg)).optimizer
    wrapper = build_optim_wrapper(model, copy.deepcopy(cfg))
    assert len(ref.param_groups) == 21  # one per parameter
    # decay; no decay (norms, biases); pos (mmengine adds its decay_mult)
    assert merge_optimizer_groups(wrapper) == 18
    groups = wrapper.optimizer.param_groups
    assert [len(g['params']) for g in groups] == [1, 15, 5]
    assert [g['weight_decay'] for g in groups] == [0.0, 0.0, 0.05]
    assert _settings(wrapper.optimizer, model) == _settings(ref, model)
    assert merge_optimizer_groups(wrapper) == 0  # idempotent
    # layer decay: lr scale per layer, names kept in param_names
    groups = [dict(params=[torch.zeros(1)], lr=s, lr_scale=s, layer_id=i,
                   weight_decay=wd, param_name=f'p{i}{wd}')
              for i, s in enumerate((.25, .5, 1.)) for wd in (0., .05)]
    merged = merge_param_groups(groups + [dict(groups[0], param_name='q')])
    assert len(merged) == 6
    assert merged[0]['param_names'] == ['p00.0', 'q']
    assert len(merged[0]['params']) == 2 and 'param_name' not in merged[0]


def test_adamw_updates_bit_identical_and_stepped_left_alone():
    torch.manual_seed(0)
    a = Tiny()
    b = copy.deepcopy(a)
    cfg = dict(optimizer=dict(type='AdamW', lr=1e-2, weight_decay=0.05,
                              betas=(0.9, 0.95)),
               paramwise_cfg=PARAMWISE)
    wa = build_optim_wrapper(a, copy.deepcopy(cfg))
    wb = build_optim_wrapper(b, copy.deepcopy(cfg))
    merge_optimizer_groups(wb)
    x = torch.randn(8, 4)
    for _ in range(5):
        for model, wrapper in ((a, wa), (b, wb)):
            wrapper.update_params(model(x).square().mean())
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert not torch.equal(a.pos, Tiny().pos)  # trained
    # an optimizer that already stepped keeps its groups
    assert merge_optimizer_groups(wa) == 0
    assert len(wa.optimizer.param_groups) == 21


@pytest.mark.parametrize('merge', [True, False])
def test_runner_merges_unless_told_not_to(tmp_path, merge):
    from mmengine.config import Config

    from umt_mm.engine import UMTRunner
    cfg = Config.fromfile(osp.join(ROOT, 'configs/umt/stage1_demo.py'))
    cfg.work_dir = str(tmp_path)
    cfg.model.teacher.pretrained = None
    if not merge:
        cfg.optim_wrapper.merge_param_groups = False
    runner = UMTRunner.from_cfg(cfg)
    wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    params = [p for p in runner.model.parameters() if p.requires_grad]
    groups = wrapper.optimizer.param_groups
    assert sum(len(g['params']) for g in groups) == len(params)
    if merge:  # decay, no decay (the student's pos_embed is a buffer)
        assert sorted(g['weight_decay'] for g in groups) == [0.0, 0.05]
    else:
        assert len(groups) == len(params)


def _tiny_run(work_dir, merge, max_iters, resume=False):
    from mmengine.config import Config

    from umt_mm.engine import UMTRunner
    cfg = Config.fromfile(osp.join(ROOT, 'configs/umt/stage1_demo.py'))
    cfg.work_dir = work_dir
    cfg.model.teacher.pretrained = None
    cfg.optim_wrapper.merge_param_groups = merge
    cfg.train_dataloader = dict(
        batch_size=1, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(type='InMemoryClips', num=2, shape=(8, 64, 64)))
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1,
                                        by_epoch=False)
    cfg.log_processor = dict(by_epoch=False)
    cfg.resume = resume
    runner = UMTRunner.from_cfg(cfg)
    runner.train()
    return runner


def test_resume_with_other_grouping_names_the_option(tmp_path):
    """A checkpoint saved with one group per parameter does not resume into
    merged groups: the error names the checkpoint and the option, and the
    option resumes it."""
    import umt_mm.benchmark.runner  # noqa: F401  (InMemoryClips)
    work = str(tmp_path)
    _tiny_run(work, merge=False, max_iters=1)
    with pytest.raises(ValueError, match='iter_1.pth: .*merge_param_groups'):
        _tiny_run(work, merge=True, max_iters=2, resume=True)
    assert _tiny_run(work, merge=False, max_iters=2, resume=True).iter == 2
