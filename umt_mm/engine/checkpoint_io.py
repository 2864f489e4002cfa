"""Checkpoint files: atomic writes and finding the one to resume from."""
import glob
import os
import os.path as osp
import zipfile

LAST_CHECKPOINT = 'last_checkpoint'


def fsync_replace(tmp_path, path):
    """Flush ``tmp_path`` to disk, then rename it to ``path`` atomically.

    Args:
        tmp_path (str): The complete temporary file (same directory).
        path (str): The final name; replaced if it exists.
    """
    with open(tmp_path, 'rb+') as f:
        os.fsync(f.fileno())
    os.replace(tmp_path, path)
    try:
        dir_fd = os.open(osp.dirname(osp.abspath(path)), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def write_text_atomic(path, text):
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        f.write(text)
    fsync_replace(tmp, path)


def write_last_checkpoint(work_dir, checkpoint):
    """Record ``checkpoint`` in ``work_dir/last_checkpoint``, relative to
    the work dir when it lies inside it (the directory can be moved)."""
    rel = osp.relpath(osp.abspath(checkpoint), osp.abspath(work_dir))
    text = checkpoint if rel.startswith(os.pardir) else rel
    write_text_atomic(osp.join(work_dir, LAST_CHECKPOINT), text)


def read_last_checkpoint(work_dir):
    """The checkpoint named by ``work_dir/last_checkpoint`` (relative names
    are resolved against ``work_dir``), or None when there is no usable
    record."""
    record = osp.join(work_dir, LAST_CHECKPOINT)
    if not osp.isfile(record):
        return None
    with open(record) as f:
        name = f.read().strip()
    if not name:
        return None
    return name if osp.isabs(name) else osp.join(work_dir, name)


def checkpoint_problem(path):
    """Why ``path`` cannot be a loadable torch checkpoint, or None.

    Checks existence, size and the zip directory that ``torch.save``
    writes (a truncated file has none); the tensors are not read.
    """
    if not osp.isfile(path):
        return 'does not exist'
    if osp.getsize(path) == 0:
        return 'is empty'
    try:
        with zipfile.ZipFile(path) as zf:
            if not any(n.endswith('data.pkl') for n in zf.namelist()):
                return 'is not a torch checkpoint (no data.pkl)'
    except (zipfile.BadZipFile, OSError) as err:
        return f'is truncated or corrupt ({err})'
    return None


def find_resume_checkpoint(work_dir, logger=None):
    """The checkpoint to resume from in ``work_dir``.

    ``last_checkpoint`` first; when it is missing, empty or names a
    truncated/corrupt file, the newest loadable ``*.pth`` in the work dir
    (by modification time), with a warning.

    Args:
        work_dir (str): The work directory.
        logger (logging.Logger, optional): Receives the warnings.
            Defaults to None.

    Returns:
        str | None: The checkpoint path, None when there is none.
    """
    last = read_last_checkpoint(work_dir)
    if last is not None:
        problem = checkpoint_problem(last)
        if problem is None:
            return last
        if logger is not None:
            logger.warning(f'{osp.join(work_dir, LAST_CHECKPOINT)} names '
                           f'{last}, which {problem}; looking for the '
                           'newest loadable checkpoint instead')
    candidates = sorted(
        glob.glob(osp.join(work_dir, '*.pth')), key=osp.getmtime,
        reverse=True)
    for path in candidates:
        problem = checkpoint_problem(path)
        if problem is None:
            if last is not None and logger is not None:
                logger.warning(f'Resuming from {path} instead')
            return path
        if logger is not None:
            logger.warning(f'Skipping {path}: it {problem}')
    return None
