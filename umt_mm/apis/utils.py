"""Small helpers of the user tools: atomic writes and progress bars."""
import os
import os.path as osp
import sys
import tempfile
from typing import IO, Callable, Iterable, Optional


def atomic_write(path: str, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(f)`` on a temporary file next to ``path``, then rename
    it to ``path`` (readers never see a half-written file)."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.tmp_',
                               suffix=osp.splitext(path)[1])
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates it private
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def progress(items: Iterable, total: Optional[int], desc: str) -> Iterable:
    """``items`` through a tqdm bar on stderr (refreshed every 30 s when
    stderr is not a terminal, so logs stay short)."""
    from tqdm import tqdm
    tty = sys.stderr.isatty()
    return tqdm(items, total=total, desc=desc, unit='video',
                mininterval=0.5 if tty else 30, file=sys.stderr)
