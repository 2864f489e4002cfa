"""Fixed glibc malloc thresholds (umt_mm/engine/malloc.py, env_cfg.malloc)."""
import ctypes
import ctypes.util
import subprocess
import sys

import pytest

_GLIBC = ctypes.util.find_library('c') is not None and hasattr(
    ctypes.CDLL(ctypes.util.find_library('c')), 'mallinfo2')

# in a fresh process (glibc's thresholds adapt to what a process did):
# allocate 16 MiB, write it, free it; report how much of it was mapped and
# how much free memory the top of the heap keeps afterwards
_PROBE = r'''
import ctypes, importlib.util, sys
spec = importlib.util.spec_from_file_location('malloc', sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        'arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks '
        'fordblks keepcost').split()]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
libc.malloc.restype = ctypes.c_void_p
if sys.argv[2] == 'tuned':
    assert mod.tune_malloc() is True
size = 16 << 20
before = libc.mallinfo2().hblkhd
p = libc.malloc(size)
ctypes.memset(p, 1, size)
mapped = libc.mallinfo2().hblkhd - before
libc.free(ctypes.c_void_p(p))
print(mapped, libc.mallinfo2().keepcost)
'''


def _probe(mode):
    import umt_mm.engine.malloc as mod
    out = subprocess.run([sys.executable, '-c', _PROBE, mod.__file__, mode],
                         capture_output=True, text=True, check=True).stdout
    return [int(x) for x in out.split()]


@pytest.mark.skipif(not _GLIBC, reason='glibc >= 2.33 (mallinfo2) only')
def test_freed_blocks_stay_in_the_heap_for_the_next_step():
    mapped, kept = _probe('tuned')
    assert mapped == 0  # from the heap, not a mapping of its own
    assert kept >= 16 << 20  # not given back to the kernel when freed
    # glibc's defaults, for comparison: a mapping, unmapped when freed
    mapped, kept = _probe('default')
    assert mapped >= 16 << 20 and kept < 16 << 20


@pytest.mark.parametrize('bad', [
    dict(trim_threshold=-1), dict(mmap_threshold=2**31),
    dict(mmap_threshold='32M')])
def test_bad_value_is_an_error_naming_the_option(bad):
    from umt_mm.engine.malloc import tune_malloc
    with pytest.raises(ValueError, match=f'env_cfg.malloc: {next(iter(bad))}'):
        tune_malloc(**bad)
