"""Prepare the mmcv 2.1.0 sdist for a build against the installed torch.

Run by ``tools/env.sh`` (standard library only: it runs before mmcv and
umt_mm are installed)::

    python tools/install/build_mmcv.py cxx-std
    python tools/install/build_mmcv.py patch-setup path/to/mmcv/setup.py

Why: mmcv 2.1.0's ``setup.py`` hard-codes ``-std=c++14`` (``c++17`` on some
paths). That flag follows torch's own ``-std=c++NN`` on the compiler command
line and wins, and torch >= 2.10's headers need C++20, so the ops fail to
compile. ``patch-setup`` rewrites every such flag to the standard the
installed torch uses (read from its ``torch/utils/cpp_extension.py``).
"""
import argparse
import importlib.metadata
import importlib.util
import os
import re
import sys

_STD_FLAG_RE = re.compile(r'(?P<pre>[-/])std(?P<sep>[=:])c\+\+(?:11|14|17)\b')


def version_tuple(version):
    """'2.14.1+cu130' -> (2, 14, 1); parts from the first non-number on are
    dropped."""
    parts = []
    for piece in re.split(r'[.+]', str(version)):
        match = re.match(r'\d+', piece)
        if not match:
            break
        parts.append(int(match.group()))
    return tuple(parts)


def torch_cxx_std_from_source(cpp_extension_source):
    """Return the C++ standard torch's extension builder forces, or None.

    ``torch.utils.cpp_extension.BuildExtension`` appends ``-std=c++NN`` to
    every compile (``cpp_flag = cpp_flag_prefix + 'c++NN'``).
    """
    match = re.search(r"cpp_flag_prefix\s*\+\s*['\"](c\+\+\d+)['\"]",
                      cpp_extension_source)
    if match:
        return match.group(1)
    found = re.findall(r"['\"]-std=(c\+\+\d+)['\"]", cpp_extension_source)
    if found:
        return max(found, key=lambda s: int(s[3:]))
    return None


def mmcv_cxx_std_flag(torch_version, cpp_extension_path=None):
    """C++ standard (e.g. ``'c++20'``) to build mmcv 2.1.0's ops with.

    Args:
        torch_version (str): installed torch version, the fallback rule:
            torch >= 2.10 -> ``'c++20'``, older -> ``'c++17'``.
        cpp_extension_path (str, optional): torch's
            ``utils/cpp_extension.py``; the standard is read from it when it
            names one. Defaults to None.
    """
    if cpp_extension_path and os.path.isfile(cpp_extension_path):
        with open(cpp_extension_path, encoding='utf-8') as f:
            std = torch_cxx_std_from_source(f.read())
        if std:
            return std
    if version_tuple(torch_version)[:2] >= (2, 10):
        return 'c++20'
    return 'c++17'


def patch_mmcv_setup_py(text, std):
    """Rewrite every ``-std=c++1x`` / ``/std:c++1x`` in mmcv's setup.py.

    Returns ``(new_text, n_replaced)``; ``std`` is e.g. ``'c++20'``.
    """
    if not re.fullmatch(r'c\+\+\d+', std):
        raise ValueError(f'not a C++ standard: {std!r}')
    return _STD_FLAG_RE.subn(lambda m: f"{m['pre']}std{m['sep']}{std}", text)


def installed_torch_cxx_std():
    """:func:`mmcv_cxx_std_flag` of the torch this interpreter imports."""
    spec = importlib.util.find_spec('torch')
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError('torch is not installed')
    torch_dir = list(spec.submodule_search_locations)[0]
    return mmcv_cxx_std_flag(
        importlib.metadata.version('torch'),
        os.path.join(torch_dir, 'utils', 'cpp_extension.py'))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='cmd', required=True)
    sub.add_parser('cxx-std', help="print the installed torch's C++ standard")
    patch = sub.add_parser(
        'patch-setup', help="set every -std flag of mmcv's setup.py")
    patch.add_argument('setup_py')
    patch.add_argument(
        '--std', help="e.g. c++20 (default: the installed torch's)")
    args = parser.parse_args(argv)
    if args.cmd == 'cxx-std':
        print(installed_torch_cxx_std())
        return 0
    std = args.std or installed_torch_cxx_std()
    with open(args.setup_py, encoding='utf-8') as f:
        text, n = patch_mmcv_setup_py(f.read(), std)
    if n == 0:
        print(f'no -std=c++NN flag found in {args.setup_py}', file=sys.stderr)
        return 1
    tmp = f'{args.setup_py}.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, args.setup_py)
    print(f'{n} flags set to {std} in {args.setup_py}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
