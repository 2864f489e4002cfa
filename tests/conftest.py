"""Shared pytest fixtures for umt_mm.

* ``demo_data``: the synthetic dataset of ``tools/make_demo_data.py``,
  generated once per test session into a temporary directory.
* ``make_demo_data`` / ``demo_data_args`` / ``repo_root``: helpers for
  tests that need their own variant of the dataset.
* ``run_tool``: runs a repository script (python or bash) as a subprocess with
  the interpreter running the tests and the repository root on PYTHONPATH.
* ``stage1_run``: one tiny stage-1 pre-training run (``configs/umt/
  stage1_demo.py`` on ``demo_data``) shared by every test that needs a
  stage-1 work dir or checkpoint.
* ``free_port``: a free TCP port for a distributed launch.

``demo_data`` and ``stage1_run`` are made once per pytest run, also when
pytest-xdist spreads the tests over several processes (``tools/
run_tests.sh`` does): the first worker that needs one makes it in the run's
shared temporary directory while the others wait for it.

Tests that use ``run_tool`` or ``stage1_run`` (directly or through another
fixture) are end-to-end and get the ``slow`` marker here; mark other slow
tests (e.g. an in-process run of the real runner) with
``@pytest.mark.slow``. ``-m "not slow"`` runs the unit tests only.

Tool code is imported as a package, ``from tools.analysis import
linear_probe`` (``tools/__init__.py``; the repository root is put on
``sys.path`` here). Importing ``umt_mm`` here applies its compat fixes before
any test imports ``mmaction.models``.
"""
import fcntl
import json
import os
import os.path as osp
import shutil
import socket
import subprocess
import sys
import time

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import umt_mm  # noqa: E402,F401  (compat fixes before mmaction.models)


def pytest_configure(config):
    """Under pytest-xdist the workers share the cores: each worker's torch
    gets its share of intra-op threads (tool subprocesses get one each,
    :func:`tool_env`)."""
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '0'))
    if workers > 1:
        import torch
        torch.set_num_threads(
            max(1, len(os.sched_getaffinity(0)) // workers))


# small but complete: 4 classes x 4 train videos, 4 val videos
DEMO_DATA_ARGS = dict(num_train=16, num_val=8, size=96, frames=32, fps=8,
                      seed=0)


def tool_env(extra=None):
    """Environment for subprocesses: repo root on PYTHONPATH, the test
    interpreter as $PYTHON (used by tools/dist_*.sh), one thread per
    process so that several processes share the cores fairly."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (REPO_ROOT, env.get('PYTHONPATH')) if p)
    env['PYTHON'] = sys.executable
    env.setdefault('OMP_NUM_THREADS', '1')
    env.setdefault('MKL_NUM_THREADS', '1')
    if extra:
        env.update(extra)
    return env


class ToolResult:

    def __init__(self, returncode, stdout, stderr, duration):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.output = stdout + stderr
        self.duration = duration

    def save(self, path):
        """Write the result as JSON (see :meth:`load`)."""
        with open(path, 'w') as f:
            json.dump(dict(returncode=self.returncode, stdout=self.stdout,
                           stderr=self.stderr, duration=self.duration), f)

    @classmethod
    def load(cls, path):
        with open(path) as f:
            return cls(**json.load(f))

    def check(self):
        assert self.returncode == 0, (
            f'exit code {self.returncode}\n--- output tail ---\n'
            f'{self.output[-6000:]}')
        return self


def _run(cmd, timeout, env, cwd):
    start = time.time()
    proc = subprocess.run(
        cmd,
        cwd=cwd or REPO_ROOT,
        env=tool_env(env),
        capture_output=True,
        text=True,
        timeout=timeout)
    return ToolResult(proc.returncode, proc.stdout, proc.stderr,
                      time.time() - start)


@pytest.fixture(scope='session')
def run_tool():
    """``run_tool('tools/train.py', *args, timeout=..., env=None, cwd=None)``.

    ``.py`` scripts run with the current interpreter, ``.sh`` with bash.
    Returns a :class:`ToolResult`; call ``.check()`` to assert success.
    """

    def run(script, *args, timeout=300, env=None, cwd=None):
        path = osp.join(REPO_ROOT, script)
        if script.endswith('.sh'):
            cmd = ['bash', path]
        else:
            cmd = [sys.executable, path]
        return _run(cmd + [str(a) for a in args], timeout, env, cwd)

    return run


def generate_demo_data(out_dir, **overrides):
    """Run tools/make_demo_data.py into ``out_dir``; returns stdout."""
    opts = dict(DEMO_DATA_ARGS, **overrides)
    cmd = [sys.executable, osp.join(REPO_ROOT, 'tools', 'make_demo_data.py'),
           str(out_dir)]
    for key, value in opts.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    res = _run(cmd, timeout=300, env=None, cwd=None).check()
    return res.stdout


@pytest.fixture(scope='session')
def repo_root():
    """Absolute path of the repository root."""
    return REPO_ROOT


@pytest.fixture(scope='session')
def demo_data_args():
    """The make_demo_data.py options used for the ``demo_data`` fixture."""
    return dict(DEMO_DATA_ARGS)


@pytest.fixture(scope='session')
def make_demo_data():
    """``make_demo_data(out_dir, **overrides)`` runs tools/make_demo_data.py
    with ``DEMO_DATA_ARGS`` updated by ``overrides``; returns its stdout."""
    return generate_demo_data


def made_once(tmp_path_factory, name, make):
    """``make(path)`` once per pytest run; returns the path.

    ``path`` is ``name`` in the run's temporary directory, shared by all
    pytest-xdist workers (the parent of a worker's own); a lock file makes
    the other workers wait for the first one, and a directory whose
    ``make`` failed is made again by the next test that needs it.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'):
        root = root.parent
    path = str(root / name)
    with open(path + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not osp.isfile(path + '.done'):
                shutil.rmtree(path, ignore_errors=True)
                os.makedirs(path)
                make(path)
                open(path + '.done', 'w').close()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """Directory with the generated demo dataset (``DEMO_DATA_ARGS``)."""
    return made_once(tmp_path_factory, 'demo_data', generate_demo_data)


@pytest.fixture(scope='session')
def free_port():
    """``free_port()``: a TCP port on 127.0.0.1 that nothing listens on."""

    def port():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(('127.0.0.1', 0))
            return s.getsockname()[1]

    return port


STAGE1_DEMO = 'configs/umt/stage1_demo.py'
STAGE1_EPOCHS = 5  # the config's schedule; 2 iterations an epoch
# what the shared run adds to STAGE1_DEMO: the mask drawings of
# test_user_tools (iterations 1, 5 and 10) with both visualizer backends
STAGE1_RUN_EXTRA = (
    "custom_hooks = [dict(type='MaskVisualizationHook', interval=5)]\n"
    "visualizer = dict(vis_backends=[dict(type='LocalVisBackend'), "
    "dict(type='OptionalTensorboardVisBackend')])\n")


class Stage1Run:
    """A finished ``tools/train.py`` run of a child of :data:`STAGE1_DEMO`
    with :data:`STAGE1_RUN_EXTRA`.

    Attributes:
        config (str): absolute path of the config.
        work_dir (str): its work dir (``epoch_1.pth`` ... ``epoch_5.pth``,
            ``last_checkpoint``, the LocalVisBackend ``scalars.json`` and
            ``vis_image/umt_masks_{1,5,10}.png``, TensorBoard events).
        result (ToolResult): the finished process (``.output`` etc.).
    """

    def __init__(self, config, work_dir, result):
        self.config = config
        self.work_dir = work_dir
        self.result = result

    def checkpoint(self, epoch=STAGE1_EPOCHS):
        """Path of ``epoch_{epoch}.pth``."""
        return osp.join(self.work_dir, f'epoch_{epoch}.pth')

    def scalars(self):
        """Records of the run's ``vis_data/scalars.json``."""
        return read_scalars(self.work_dir)


def read_scalars(work_dir):
    """Records of the LocalVisBackend ``scalars.json`` of the latest run in
    ``work_dir``."""
    runs = sorted(d for d in os.listdir(work_dir)
                  if osp.isfile(osp.join(work_dir, d, 'vis_data',
                                         'scalars.json')))
    assert runs, f'no vis_data/scalars.json under {work_dir}'
    with open(osp.join(work_dir, runs[-1], 'vis_data', 'scalars.json')) as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope='session')
def vis_scalars():
    """``vis_scalars(work_dir)``: :func:`read_scalars` for tests with their
    own training run."""
    return read_scalars


@pytest.fixture(scope='session')
def stage1_run(demo_data, run_tool, tmp_path_factory):
    """:class:`Stage1Run` of one shared stage-1 run on ``demo_data``:
    :data:`STAGE1_EPOCHS` epochs, every iteration logged, every epoch's
    checkpoint kept. Tests must not write into its work dir (copy it)."""

    def train(path):
        config = osp.join(path, 'stage1_demo_run.py')
        with open(config, 'w') as f:
            f.write(f'_base_ = [{osp.join(REPO_ROOT, STAGE1_DEMO)!r}]\n'
                    + STAGE1_RUN_EXTRA)
        work_dir = osp.join(path, 'work_dir')
        run_tool(
            'tools/train.py', config, '--work-dir', work_dir,
            '--cfg-options',
            f'train_dataloader.dataset.data_prefix.video={demo_data}',
            f'train_dataloader.dataset.ann_file={demo_data}/train_list.txt',
            f'train_cfg.max_epochs={STAGE1_EPOCHS}',
            'train_dataloader.num_workers=1',
            'default_hooks.logger.interval=1',
            'default_hooks.checkpoint.interval=1',
            'default_hooks.checkpoint.max_keep_ckpts=-1',
            timeout=600).check().save(osp.join(path, 'result.json'))

    path = made_once(tmp_path_factory, 'stage1_run', train)
    return Stage1Run(osp.join(path, 'stage1_demo_run.py'),
                     osp.join(path, 'work_dir'),
                     ToolResult.load(osp.join(path, 'result.json')))


SLOW_FIXTURES = frozenset({'run_tool', 'stage1_run'})


def pytest_collection_modifyitems(items):
    """Mark the tests that depend on :data:`SLOW_FIXTURES` ``slow``."""
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, 'fixturenames', ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def mmaction_default_scope():
    """Every test builds modules in the 'mmaction' scope, as configs do.

    Runner-based tests switch mmengine's global default scope; resetting it
    before each test keeps the tests independent of their order.
    """
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    yield
