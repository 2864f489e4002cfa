"""Shared pytest fixtures for umt_mm.

* ``demo_data``: the synthetic dataset of ``tools/make_demo_data.py``,
  generated once per test session into a temporary directory.
* ``make_demo_data`` / ``demo_data_args`` / ``repo_root``: helpers for
  tests that need their own variant of the dataset.
* ``run_tool``: runs a repository script (python or bash) as a subprocess with
  the interpreter running the tests and the repository root on PYTHONPATH.
"""
import os
import os.path as osp
import subprocess
import sys
import time

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

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

    def __init__(self, proc, duration):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.output = proc.stdout + proc.stderr
        self.duration = duration

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
    return ToolResult(proc, time.time() - start)


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


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """Directory with the generated demo dataset (``DEMO_DATA_ARGS``)."""
    out_dir = tmp_path_factory.mktemp('demo_data')
    generate_demo_data(out_dir)
    return str(out_dir)


@pytest.fixture(autouse=True)
def mmaction_default_scope():
    """Every test builds modules in the 'mmaction' scope, as configs do.

    Runner-based tests switch mmengine's global default scope; resetting it
    before each test keeps the tests independent of their order.
    """
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    yield
