"""Command-line scripts, run by path (``python tools/train.py ...``).

This file makes them importable as ``tools.<dir>.<script>`` for the tests
(``from tools.analysis import linear_probe``), the one import style for
tool code in ``tests/``; ``tests/conftest.py`` puts the repository root on
``sys.path``. ``tools`` is not part of the installed ``umt_mm`` package.
"""
