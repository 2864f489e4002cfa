"""tools/install/build_mmcv.py: mmcv 2.1.0's -std flags vs torch's."""
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tools.install import build_mmcv

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
    text, n = build_mmcv.patch_mmcv_setup_py(SAMPLE_SETUP_PY, 'c++20')
    assert n == 8
    assert '-std=c++14' not in text and '-std=c++17' not in text
    assert '/std:c++14' not in text and '/std:c++17' not in text
    assert text.count('-std=c++20') == 6 and text.count('/std:c++20') == 2
    assert "['std=c++14']" in text  # a comment, not a flag: left alone
    with pytest.raises(ValueError):
        build_mmcv.patch_mmcv_setup_py(SAMPLE_SETUP_PY, 'c++20; rm -rf /')


def test_mmcv_cxx_std_flag_rule():
    assert build_mmcv.mmcv_cxx_std_flag('2.14.1') == 'c++20'
    assert build_mmcv.mmcv_cxx_std_flag('2.14.1+cu130') == 'c++20'
    assert build_mmcv.mmcv_cxx_std_flag('2.5.1') == 'c++17'
    assert build_mmcv.torch_cxx_std_from_source(
        "cpp_flag = cpp_flag_prefix + 'c++17'") == 'c++17'
    assert build_mmcv.torch_cxx_std_from_source(
        "flags = ['-std=c++14', '-std=c++17']") == 'c++17'
    import torch.utils.cpp_extension as ce
    detected = build_mmcv.mmcv_cxx_std_flag(torch.__version__, ce.__file__)
    if build_mmcv.version_tuple(torch.__version__)[:2] >= (2, 13):
        assert detected == 'c++20'  # read from the installed torch


def test_cli_patches_setup_py(tmp_path, repo_root):
    setup_py = tmp_path / 'setup.py'
    setup_py.write_text(SAMPLE_SETUP_PY)
    script = osp.join(repo_root, 'tools', 'install', 'build_mmcv.py')
    std = subprocess.run([sys.executable, script, 'cxx-std'], check=True,
                         capture_output=True, text=True).stdout.strip()
    assert std == build_mmcv.installed_torch_cxx_std()
    subprocess.run([sys.executable, script, 'patch-setup', str(setup_py)],
                   check=True, capture_output=True)
    assert '-std=c++1' not in setup_py.read_text()
    assert setup_py.read_text().count(f'-std={std}') == 6
    proc = subprocess.run(
        [sys.executable, script, 'patch-setup', str(setup_py)],
        capture_output=True, text=True)
    assert proc.returncode == 1 and 'no -std=c++NN flag' in proc.stderr
