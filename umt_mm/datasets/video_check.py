"""Find the videos of an annotation list that cannot be decoded.

Used by ``tools/data/check_videos.py``. Each video is opened with decord
(the reader of mmaction2's ``DecordInit``/``DecordDecode``) and frames are
decoded at a few positions (first, middle, last; every frame with
``full=True``), which catches zero-byte, truncated, not-a-video, audio-only
and moov-less files. Results are appended to a progress file as they come,
so an interrupted scan resumes where it stopped.
"""
import json
import os
import os.path as osp
from multiprocessing import get_all_start_methods, get_context

from mmengine.utils import ProgressBar

from umt_mm.engine.checkpoint_io import write_text_atomic
from .guarded import error_text


def check_video(path, full=False):
    """Why ``path`` cannot be decoded, or None when it can.

    Args:
        path (str): The video file.
        full (bool): Decode every frame instead of the first, middle and
            last ones. Defaults to False.

    Returns:
        str | None: The problem.
    """
    if not osp.isfile(path):
        return 'file not found'
    if osp.getsize(path) == 0:
        return 'empty file (0 bytes)'
    import decord
    try:
        reader = decord.VideoReader(path, num_threads=1)
        num = len(reader)
        if num == 0:
            return 'no video frames'
        indices = list(range(num)) if full else sorted(
            {0, num // 2, num - 1})
        for start in range(0, len(indices), 64):
            reader.get_batch(indices[start:start + 64]).asnumpy()
    except Exception as err:  # noqa: BLE001 (decord raises many types)
        return error_text(err)
    return None


def _check_entry(args):
    number, path, full = args
    return number, check_video(path, full)


def _run(todo, workers):
    if workers <= 1:
        yield from map(_check_entry, todo)
        return
    # fork: the workers start without re-importing the packages
    method = 'fork' if 'fork' in get_all_start_methods() else 'spawn'
    with get_context(method).Pool(workers) as pool:
        yield from pool.imap_unordered(_check_entry, todo, chunksize=4)


def read_list(list_file, root, delimiter=' '):
    """``(line number, path, line)`` of every non-blank list line; the path
    is the first field joined to ``root``."""
    entries = []
    with open(list_file) as f:
        for number, line in enumerate(f.read().splitlines(), 1):
            if line.strip():
                name = line.strip().split(delimiter)[0]
                entries.append((number, osp.join(root, name), line))
    return entries


def scan_list(list_file, root, out_file, workers=4, full=False,
              delimiter=' '):
    """Check every video of ``list_file``; write the bad lines to
    ``out_file``.

    Progress goes to ``out_file + '.progress.jsonl'`` (one record per
    checked line); a rerun skips the lines recorded there.

    Args:
        list_file (str): mmaction2 annotation list (``path label``).
        root (str): Directory the list's paths are relative to.
        out_file (str): Receives the bad lines, verbatim, in list order.
        workers (int): Parallel processes. Defaults to 4.
        full (bool): Decode every frame. Defaults to False.
        delimiter (str): Field delimiter of the list. Defaults to ' '.

    Returns:
        list[tuple]: ``(line number, line, problem)`` of the bad lines.
    """
    entries = read_list(list_file, root, delimiter)
    progress = out_file + '.progress.jsonl'
    done = {}
    if osp.isfile(progress):
        with open(progress) as f:
            for row in f:
                try:
                    record = json.loads(row)
                except ValueError:
                    continue  # a line cut by a kill
                done[record['line']] = record['problem']
    todo = [(n, p, full) for n, p, _ in entries if n not in done]
    if done:
        print(f'{len(done)} lines already checked ({progress}), '
              f'{len(todo)} to go')
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    if todo:
        bar = ProgressBar(len(todo))
        with open(progress, 'a') as log:
            for number, problem in _run(todo, workers):
                done[number] = problem
                log.write(json.dumps(dict(line=number, problem=problem)) +
                          '\n')
                log.flush()
                bar.update()
        print()
    bad = [(n, line, done[n]) for n, _, line in entries if done.get(n)]
    write_text_atomic(out_file, ''.join(line + '\n' for _, line, _ in bad))
    return bad
