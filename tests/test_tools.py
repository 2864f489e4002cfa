"""End-to-end tests of tools/train.py, tools/test.py and tools/dist_train.sh
on the synthetic demo data with configs/umt/stage1_demo.py (CPU only), plus
checks of the --amp CPU wrapper and of the stage-1 lr arithmetic. The
training run is conftest's shared ``stage1_run`` (5 epochs)."""
import math
import os
import os.path as osp
import shutil

import pytest
import torch

STAGE1_DEMO = 'configs/umt/stage1_demo.py'


@pytest.fixture(scope='module')
def stage1_demo(repo_root):
    path = osp.join(repo_root, STAGE1_DEMO)
    if not osp.isfile(path):
        pytest.skip(f'{STAGE1_DEMO} is not in the tree')
    return path


def data_options(demo_data, max_epochs):
    """--cfg-options pointing the config at the fixture's dataset."""
    return [
        '--cfg-options',
        f'train_dataloader.dataset.data_prefix.video={demo_data}',
        f'train_dataloader.dataset.ann_file={demo_data}/train_list.txt',
        f'train_cfg.max_epochs={max_epochs}',
        # 1 worker per process keeps 2-process runs on 2 cores responsive
        'train_dataloader.num_workers=1',
    ]


def last_checkpoint(work_dir):
    """The checkpoint last_checkpoint names (stored relative to the work
    dir)."""
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        name = f.read().strip()
    assert not osp.isabs(name), name
    return osp.join(work_dir, name)


def load_checkpoint_meta(path):
    """Load under torch's weights_only rules (umt_mm's compat fix
    allow-lists mmengine's checkpoint types)."""
    import umt_mm  # noqa: F401
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    return ckpt['meta']


@pytest.fixture(scope='module')
def trained(stage1_run):
    """tools/train.py, single process, 5 epochs: (work_dir, result)."""
    return stage1_run.work_dir, stage1_run.result


def test_train_single_process(trained, stage1_run):
    work_dir, res = trained
    for epoch in range(1, 6):
        assert osp.isfile(osp.join(work_dir, f'epoch_{epoch}.pth'))
    assert last_checkpoint(work_dir) == osp.join(work_dir, 'epoch_5.pth')
    # the tool reports where the last checkpoint is
    assert f'Last checkpoint: {osp.join(work_dir, "epoch_5.pth")}' \
        in res.stdout
    assert 'Epoch(train) [5]' in res.output
    losses = [r['loss'] for r in stage1_run.scalars() if 'loss' in r]
    assert losses and all(math.isfinite(v) for v in losses)
    meta = load_checkpoint_meta(osp.join(work_dir, 'epoch_5.pth'))
    assert meta['epoch'] == 5


def test_resume_from_checkpoint_with_amp(trained, stage1_demo, demo_data,
                                         run_tool, tmp_path):
    """--resume CHECKPOINT continues its run in a new work dir; the resumed
    epoch runs with --amp (bfloat16 autocast on CPU: the wrapper keeps the
    plain optimizer state, so an fp32 run resumes under it)."""
    first_dir, _ = trained
    ckpt = osp.join(first_dir, 'epoch_1.pth')
    work_dir = str(tmp_path / 'resumed')
    res = run_tool('tools/train.py', stage1_demo, '--work-dir', work_dir,
                   '--resume', ckpt, '--amp', *data_options(demo_data, 2),
                   timeout=240).check()
    if not torch.cuda.is_available():  # the CPU bfloat16 path
        assert 'bfloat16 CPU autocast' in res.output
        # in the dumped config
        assert "type='CPUAmpOptimWrapper'" in res.output
    assert f'Load checkpoint from {ckpt}' in res.output
    assert 'resumed epoch: 1' in res.output
    # only epoch 2 was trained in this run
    assert 'Epoch(train) [2]' in res.output
    assert 'Epoch(train) [1]' not in res.output
    assert not osp.exists(osp.join(work_dir, 'epoch_1.pth'))
    assert last_checkpoint(work_dir) == osp.join(work_dir, 'epoch_2.pth')
    assert load_checkpoint_meta(last_checkpoint(work_dir))['epoch'] == 2


def test_auto_resume_latest(trained, stage1_demo, demo_data, run_tool,
                            tmp_path):
    """--resume without a value continues from the work dir's latest."""
    first_dir, _ = trained
    work_dir = str(tmp_path / 'auto')
    shutil.copytree(first_dir, work_dir)
    res = run_tool('tools/train.py', stage1_demo, '--work-dir', work_dir,
                   '--resume', *data_options(demo_data, 6),
                   timeout=240).check()
    assert f'Resuming from {osp.join(work_dir, "epoch_5.pth")}' \
        in res.output
    assert 'resumed epoch: 5' in res.output
    assert 'Epoch(train) [6]' in res.output
    assert 'Epoch(train) [5]' not in res.output
    assert last_checkpoint(work_dir) == osp.join(work_dir, 'epoch_6.pth')


def test_dist_train_two_cpu_processes(stage1_demo, demo_data, run_tool,
                                      tmp_path, free_port):
    if torch.cuda.is_available():
        pytest.skip('checks the CPU (gloo) path; CUDA is available here')
    work_dir = str(tmp_path / 'dist')
    res = run_tool('tools/dist_train.sh', stage1_demo, 2, '--work-dir',
                   work_dir, *data_options(demo_data, 1), timeout=180,
                   env={'PORT': str(free_port())}).check()
    assert "backend 'nccl' -> 'gloo'" in res.output
    assert 'rank 0 of 2' in res.output
    assert 'device_ids=None' in res.output
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    # 16 videos / (2 processes x batch 8) = 1 iteration per epoch
    assert 'Epoch(train) [1][1/1]' in res.output
    assert load_checkpoint_meta(osp.join(work_dir, 'epoch_1.pth'))['epoch'] \
        == 1


def test_test_tool_refuses_config_without_test_loop(stage1_demo, tmp_path):
    """Stage-1 pre-training defines no test loop: tools/test.py's config
    step stops with a message naming the missing keys, before reading the
    checkpoint. (tools/test.py on configs with a test loop:
    test_recognition, test_stage2_runner, test_ava.)"""
    from umt_mm.engine import test_config
    with pytest.raises(SystemExit,
                       match=r'defines no test loop \(test_dataloader'):
        test_config(stage1_demo, str(tmp_path / 'missing.pth'),
                    work_dir=str(tmp_path))


def test_cpu_amp_wrapper_autocasts_bfloat16():
    from umt_mm.engine import CPUAmpOptimWrapper
    model = torch.nn.Linear(4, 2)
    wrapper = CPUAmpOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16
    before = model.weight.detach().clone()
    wrapper.update_params(out.float().sum())
    assert not torch.equal(before, model.weight)
    with pytest.raises(ValueError):
        CPUAmpOptimWrapper(
            dtype='float16',
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1))


def test_stage1_200e_lr_arithmetic(repo_root, tmp_path):
    """auto_scale_lr scales base lr 1.5e-4 by total_batch / 256, and the
    warm-up start / cosine floor follow (official 1e-6 and 1e-5 scaled)."""
    from mmengine.config import Config
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    import umt_mm  # noqa: F401

    class Toy(BaseModel):

        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 2)

        def forward(self, inputs=None, data_samples=None, mode='tensor'):
            return self.linear(inputs)

    cfg = Config.fromfile(
        osp.join(repo_root, 'configs/_base_/schedules/umt_stage1_200e.py'))
    iters_per_epoch = 3
    runner = Runner(
        model=Toy(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            batch_size=64,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=[0] * (64 * iters_per_epoch)),
        train_cfg=cfg.train_cfg,
        optim_wrapper=cfg.optim_wrapper,
        param_scheduler=cfg.param_scheduler,
        auto_scale_lr=cfg.auto_scale_lr,
        default_scope='mmaction')
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner.scale_lr(runner.optim_wrapper, runner.auto_scale_lr)
    schedulers = runner.build_param_scheduler(runner.param_schedulers)

    peak = 1.5e-4 * 64 / 256  # one process with 64 clips
    # on 32 GPUs x 64 this is the paper's 1.5e-4 * 2048 / 256 = 1.2e-3
    lrs = []
    for _ in range(200 * iters_per_epoch):
        lrs.append(runner.optim_wrapper.get_lr()['lr'][0])
        for scheduler in schedulers:
            scheduler.step()
    assert lrs[0] == pytest.approx(peak * 1e-6 / 1.5e-4)
    assert max(lrs) == pytest.approx(peak, rel=1e-6)
    # mmengine's LinearLR reaches the peak on the last warm-up iteration,
    # where the cosine phase (epoch 40) starts from
    warm = 40 * iters_per_epoch
    assert lrs[warm - 1] == pytest.approx(peak, rel=1e-6)
    assert lrs[warm] == pytest.approx(peak, rel=1e-6)
    assert lrs[warm - 2] < peak and lrs[warm + 1] < peak
    assert lrs[-1] == pytest.approx(peak * 1e-5 / 1.5e-4, rel=1e-2)
    assert all(a <= b for a, b in zip(lrs[:120], lrs[1:121]))
    # decay and no decay of norm / bias / pos_embed params
    groups = runner.optim_wrapper.optimizer.param_groups
    decays = sorted(g['weight_decay'] for g in groups)
    assert decays[0] == 0.0 and decays[-1] == 0.05


def test_setup_cpu_distributed(monkeypatch, free_port):
    """CPU launch without the launcher: gloo group from the MPI environment,
    DDP wrapper without device ids; no-op for launcher 'none'."""
    if torch.cuda.is_available():
        pytest.skip('checks the CPU path; CUDA is available here')
    import torch.distributed as torch_dist
    from mmengine.config import Config

    from umt_mm.engine import setup_cpu_distributed
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert setup_cpu_distributed(cfg, 'none') == []
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg

    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv('OMPI_COMM_WORLD_SIZE', '1')
    monkeypatch.setenv('OMPI_COMM_WORLD_RANK', '0')
    monkeypatch.setenv('OMPI_COMM_WORLD_LOCAL_RANK', '0')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port()))
    cfg = Config(dict(
        env_cfg=dict(dist_cfg=dict(backend='nccl', timeout=60)),
        model_wrapper_cfg=dict(
            type='MMDistributedDataParallel', find_unused_parameters=True)))
    assert not torch_dist.is_initialized()
    try:
        notes = setup_cpu_distributed(cfg, 'mpi')
        assert torch_dist.is_initialized()
        assert torch_dist.get_backend() == 'gloo'
        assert torch_dist.get_world_size() == 1
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()
    assert os.environ['RANK'] == '0' and os.environ['WORLD_SIZE'] == '1'
    assert cfg.env_cfg.dist_cfg == dict(backend='gloo', timeout=60)
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel', find_unused_parameters=True,
        device_ids=None)
    assert len(notes) == 3


def test_alignment_loss_falls(stage1_run):
    """A real stage-1 run on the synthetic videos: the alignment loss of the
    last iterations is clearly below that of the first ones."""
    losses = [r['loss_align'] for r in stage1_run.scalars()
              if 'loss_align' in r]
    assert len(losses) == 10  # 16 clips / batch 8 x 5 epochs
    first, last = sum(losses[:2]) / 2, sum(losses[-2:]) / 2
    assert last < 0.8 * first, losses
