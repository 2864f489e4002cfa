"""Fixed glibc malloc thresholds for training processes.

glibc adjusts its thresholds as a process runs: freeing a large block
raises the mmap threshold and sets the trim threshold to twice that. A
training step frees and reallocates the same few-MB tensors every
iteration, and a run either keeps that memory or gives the top of the heap
back to the kernel at every step and faults it in again at the next.
Which of the two a run gets depends on the order of its first frees: of
eight runs of ``benchmark_runner.py`` on the 2-core VM without this
module, four had a tiny step 1.5-2.4 ms slower than the run with it beside
them and 0.9-1.3 ms of runner work per iteration instead of ~0.75 ms;
with it, all eight were alike (docs/benchmark.md).

:func:`tune_malloc` fixes both thresholds (``mallopt``), so blocks below
the mmap threshold come from the heap and freed memory is kept for the next
step, as ``MALLOC_TRIM_THRESHOLD_`` / ``MALLOC_MMAP_THRESHOLD_`` would.
``UMTRunner`` calls it from ``env_cfg.malloc`` (forked data-loader workers
inherit it); ``env_cfg = dict(malloc=None)`` keeps glibc's defaults.
Memory freed below ``trim_threshold`` at the top of the heap is not given
back to the kernel while the process runs.
"""
import ctypes
import ctypes.util

#: ``mallopt`` parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

#: the defaults of ``env_cfg.malloc``: keep up to 1 GiB at the top of the
#: heap; blocks from 32 MiB (glibc's largest dynamic threshold) are mapped
DEFAULT_MALLOC = dict(trim_threshold=1 << 30, mmap_threshold=32 << 20)


def _libc():
    name = ctypes.util.find_library('c')
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    # glibc only: musl and macOS have no mallopt, or one that ignores these
    if not hasattr(libc, 'mallopt') or not hasattr(libc,
                                                   'gnu_get_libc_version'):
        return None
    return libc


def tune_malloc(trim_threshold: int = DEFAULT_MALLOC['trim_threshold'],
                mmap_threshold: int = DEFAULT_MALLOC['mmap_threshold']
                ) -> bool:
    """Fix glibc's trim and mmap thresholds for this process.

    Args:
        trim_threshold (int): Free bytes at the top of the heap kept before
            any is given back. Defaults to 1 GiB.
        mmap_threshold (int): Allocations from this size get their own
            mapping. Defaults to 32 MiB.

    Returns:
        bool: True when applied; False when the C library is not glibc.

    Raises:
        ValueError: A value is not an integer in ``[0, 2**31)``, or glibc
            refused it.
    """
    values = dict(trim_threshold=trim_threshold,
                  mmap_threshold=mmap_threshold)
    for name, value in values.items():
        if not isinstance(value, int) or not 0 <= value < 2**31:
            raise ValueError(f'env_cfg.malloc: {name} must be an integer in '
                             f'[0, 2**31), got {value!r}')
    libc = _libc()
    if libc is None:
        return False
    for name, param in (('trim_threshold', M_TRIM_THRESHOLD),
                        ('mmap_threshold', M_MMAP_THRESHOLD)):
        if libc.mallopt(ctypes.c_int(param), ctypes.c_int(values[name])) != 1:
            raise ValueError(f'env_cfg.malloc: glibc refused {name}='
                             f'{values[name]}')
    return True
