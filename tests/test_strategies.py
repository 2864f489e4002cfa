"""configs/_base_/strategies: the FSDP strategy trains the stage-1 demo
model with 2 gloo CPU processes through mmengine's FlexibleRunner and
through the user's launch (tools/dist_train.sh); every ViT-L strategy
config builds (DeepSpeed itself needs CUDA: GPU check)."""
import json
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
from mmengine.config import Config

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
STRATEGIES = osp.join(REPO_ROOT, 'configs', '_base_', 'strategies')

SCRIPT = textwrap.dedent('''
    import json, os, sys
    import torch
    import torch.distributed as dist
    from mmengine.config import Config
    from mmengine.runner import FlexibleRunner
    dist.init_process_group('gloo')  # the strategy then skips init_dist
    cfg = Config.fromfile(sys.argv[1])
    # FSDPStrategy passes device_id=LOCAL_RANK (a CUDA index); on CPU:
    cfg.strategy.model_wrapper.device_id = torch.device('cpu')
    cfg.work_dir = sys.argv[2]
    cfg.launcher = 'pytorch'
    runner = FlexibleRunner.from_cfg(cfg)
    runner.train()
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    wrapped = runner.model
    units = len(FSDP.fsdp_modules(wrapped))
    loss = runner.message_hub.get_scalar('train/loss').current()
    out = dict(rank=dist.get_rank(), loss=float(loss),
               wrapper=type(wrapped).__name__, units=units)
    with open(os.path.join(sys.argv[2], f'rank{dist.get_rank()}.json'),
              'w') as f:
        json.dump(out, f)
    dist.barrier()
    dist.destroy_process_group()
''')


def _fsdp_demo_config(tmp_path, demo_data):
    """The stage-1 demo with the FSDP strategy, 2 iterations."""
    cfg = tmp_path / 'fsdp_demo.py'
    cfg.write_text(textwrap.dedent(f'''
        _base_ = [{osp.join(REPO_ROOT, 'configs/umt/stage1_demo.py')!r},
                  {osp.join(STRATEGIES, 'fsdp.py')!r}]
        runner_type = 'FlexibleRunner'
        train_dataloader = dict(
            num_workers=0, persistent_workers=False, batch_size=2,
            dataset=dict(ann_file={osp.join(demo_data, 'train_list.txt')!r},
                         data_prefix=dict(video={demo_data!r})))
        train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                         max_iters=2)
        param_scheduler = []
        default_hooks = dict(logger=dict(interval=1),
                             checkpoint=dict(interval=2, by_epoch=False))
        log_processor = dict(by_epoch=False)
        env_cfg = dict(dist_cfg=dict(backend='gloo'))
    '''))
    return cfg


def _check_full_checkpoint(path):
    """A full (gathered) state dict: every key of the unwrapped model."""
    import torch
    ckpt = torch.load(path, map_location='cpu',
                      weights_only=False)['state_dict']
    assert 'backbone.blocks.3.attn.qkv.weight' in ckpt
    assert ckpt['backbone.blocks.3.attn.qkv.weight'].shape == (192, 64)
    assert any(k.startswith('teacher.') for k in ckpt)


@pytest.mark.slow
def test_fsdp_two_cpu_processes(demo_data, tmp_path):
    from conftest import tool_env
    cfg = _fsdp_demo_config(tmp_path, demo_data)
    script = tmp_path / 'run.py'
    script.write_text(SCRIPT)
    work = tmp_path / 'work'
    work.mkdir()
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
         '2', '--master_port', '29671', str(script), str(cfg), str(work)],
        env=tool_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    ranks = [json.loads((work / f'rank{r}.json').read_text())
             for r in (0, 1)]
    for r in ranks:
        assert r['wrapper'] == 'MMFullyShardedDataParallel'
        assert r['loss'] == r['loss'] and 0 < r['loss'] < 10  # finite
        assert r['units'] == 1 + 4  # root + one per student block
    _check_full_checkpoint(work / 'iter_2.pth')


@pytest.mark.slow
def test_fsdp_through_dist_train_sh(demo_data, tmp_path, run_tool):
    """The user's launch, tools/dist_train.sh CONFIG 2, on CPU: tools/
    train.py sets up gloo and the FSDP wrapper's CPU device itself."""
    cfg = _fsdp_demo_config(tmp_path, demo_data)
    work = tmp_path / 'work'
    res = run_tool('tools/dist_train.sh', cfg, 2, '--work-dir', work,
                   env=dict(PORT='29673'), timeout=300).check()
    assert 'FSDP model wrapper with device_id=cpu' in res.output
    _check_full_checkpoint(work / 'iter_2.pth')
    scalars = list(work.glob('*/vis_data/scalars.json'))
    assert len(scalars) == 1  # rank 0 logs
    losses = [json.loads(line)['loss']
              for line in scalars[0].read_text().splitlines()]
    assert len(losses) == 2 and all(0 < x < 10 for x in losses)


@pytest.mark.parametrize('name', [
    'umt-large_stage1_fsdp.py', 'umt-large_stage1_deepspeed_zero2.py',
    'umt-large_k400-ft_fsdp.py', 'umt-large_k400-ft_deepspeed_zero2.py'
])
def test_strategy_configs_build(name):
    cfg = Config.fromfile(osp.join(STRATEGIES, name))
    assert cfg.runner_type == 'FlexibleRunner'
    assert cfg.model.backbone.arch == 'l'
    if 'deepspeed' in name:
        assert cfg.strategy.zero_optimization.stage == 2
        # DeepSpeedOptimWrapper takes only the optimizer (and groups)
        assert set(cfg.optim_wrapper) <= {'type', 'optimizer', 'constructor',
                                          'paramwise_cfg'}
    else:
        assert cfg.strategy.type == 'FSDPStrategy'
        assert cfg.strategy.model_wrapper.use_orig_params
