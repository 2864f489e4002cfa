"""mmaction2 annotation lists from a folder of videos.

:func:`build_file_list` reads a folder-per-class tree
(``ROOT/<class>/<video>``) or a CSV of ``path,label`` rows, opens every
video (in parallel), splits the readable ones into train / val per class
and writes ``train_list.txt``, ``val_list.txt`` (``path label`` lines
relative to ``ROOT``, the format of mmaction2's ``VideoDataset``),
``label_map.txt`` (one class name a line, the line number is the label)
and ``bad_videos.txt`` (videos whose first, middle or last frame does not
decode, with the reason).
"""
import csv
import os
import os.path as osp
import random
from collections import defaultdict
from multiprocessing import get_context
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.logging import MMLogger

from ..datasets.video_check import check_video as decode_problem
from .features import VIDEO_EXTS
from .utils import atomic_write, progress

OUTPUTS = ('train_list.txt', 'val_list.txt', 'label_map.txt',
           'bad_videos.txt')


def scan_class_folders(root: str) -> List[Tuple[str, str]]:
    """``[(path relative to root, class name)]`` of ``ROOT/<class>/...``
    (videos in sub-folders of a class folder belong to that class)."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'no such folder: {root}')
    items = []
    for cls in sorted(os.listdir(root)):
        folder = osp.join(root, cls)
        if not osp.isdir(folder) or cls.startswith('.'):
            continue
        for dirpath, _, files in sorted(os.walk(folder)):
            for name in sorted(files):
                if name.lower().endswith(VIDEO_EXTS):
                    items.append((osp.relpath(osp.join(dirpath, name), root),
                                  cls))
    if not items:
        raise ValueError(f'{root} holds no videos in class folders '
                         f'(ROOT/<class>/<video>, extensions: '
                         f'{", ".join(VIDEO_EXTS)})')
    return items


def read_csv_list(path: str) -> List[Tuple[str, str]]:
    """``[(path, label)]`` of a CSV with ``path,label`` rows (a header row
    whose second field is ``label`` is skipped)."""
    items = []
    with open(path, newline='') as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            if not row or not ''.join(row).strip():
                continue
            if len(row) != 2:
                raise ValueError(f'{path}:{lineno}: expected "path,label", '
                                 f'got {row}')
            if lineno == 1 and row[1].strip().lower() == 'label':
                continue
            items.append((row[0].strip(), row[1].strip()))
    if not items:
        raise ValueError(f'{path} lists no videos')
    return items


def check_video(path: str) -> str:
    """'' when the first, middle and last frames decode, else why not
    (:func:`umt_mm.datasets.video_check.check_video`)."""
    return decode_problem(path) or ''


def check_videos(paths: Sequence[str], workers: int = 1) -> List[str]:
    """:func:`check_video` of every path (in ``workers`` processes)."""
    if workers <= 1:
        return list(progress(map(check_video, paths), len(paths),
                             'check videos'))
    with get_context('spawn').Pool(workers) as pool:
        return list(progress(pool.imap(check_video, paths, chunksize=8),
                             len(paths), 'check videos'))


def split_per_class(items: Sequence[Tuple[str, int]], val_ratio: float,
                    seed: int) -> Tuple[List, List]:
    """Stratified split: ``round(n * val_ratio)`` videos of each class go
    to val (at least one when the class has two or more)."""
    by_class: Dict[int, List] = defaultdict(list)
    for item in items:
        by_class[item[1]].append(item)
    rng = random.Random(seed)
    train, val = [], []
    for label in sorted(by_class):
        group = sorted(by_class[label])
        rng.shuffle(group)
        n_val = round(len(group) * val_ratio)
        if val_ratio > 0 and len(group) >= 2:
            n_val = min(max(n_val, 1), len(group) - 1)
        val += group[:n_val]
        train += group[n_val:]
    return sorted(train), sorted(val)


def build_file_list(root: str,
                    csv_file: Optional[str] = None,
                    out_dir: Optional[str] = None,
                    val_ratio: float = 0.2,
                    seed: int = 0,
                    workers: int = 1,
                    delimiter: str = ' ',
                    overwrite: bool = False) -> Dict:
    """Write mmaction2 annotation lists for the videos under ``root``.

    Args:
        root (str): Folder of the videos (``data_prefix.video`` in configs).
        csv_file (str, optional): ``path,label`` rows (paths relative to
            ``root`` or absolute; labels are class names or integers).
            Defaults to None: the class folders of ``root``.
        out_dir (str, optional): Where to write. Defaults to ``root``.
        val_ratio (float): Fraction of each class for val. Defaults to 0.2.
        seed (int): Shuffle seed of the split. Defaults to 0.
        workers (int): Processes opening videos. Defaults to 1.
        delimiter (str): Separator of the list lines (mmaction2's
            ``VideoDataset(delimiter=...)``); paths containing it are listed
            as bad. Defaults to ' '.
        overwrite (bool): Replace existing output files. Defaults to False.

    Returns:
        dict: ``train``, ``val`` (counts), ``classes`` (names), ``bad``
        (list of ``(path, reason)``) and ``files`` (written paths).
    """
    if not 0 <= val_ratio < 1:
        raise ValueError(f'val_ratio must be in [0, 1), got {val_ratio}')
    out_dir = out_dir or root
    files = [osp.join(out_dir, name) for name in OUTPUTS]
    existing = [f for f in files if osp.exists(f)]
    if existing and not overwrite:
        raise FileExistsError(f'{existing} exist; pass --overwrite to '
                              'replace them')
    items = read_csv_list(csv_file) if csv_file else \
        scan_class_folders(root)
    classes = _class_names([label for _, label in items])
    index = {name: i for i, name in enumerate(classes)}
    paths = [p if osp.isabs(p) else osp.join(root, p) for p, _ in items]
    reasons = check_videos(paths, workers)
    good, bad = [], []
    for (rel, label), path, reason in zip(items, paths, reasons):
        if not reason and delimiter in rel:
            reason = f'path contains the list delimiter {delimiter!r}'
        if reason:
            bad.append((rel, reason))
        else:
            good.append((rel, index[label]))
    if not good:
        raise ValueError(f'none of the {len(items)} videos under {root} '
                         f'opens; first: {bad[:3]}')
    train, val = split_per_class(good, val_ratio, seed)
    _write_lines(files[0], [f'{p}{delimiter}{y}' for p, y in train])
    _write_lines(files[1], [f'{p}{delimiter}{y}' for p, y in val])
    _write_lines(files[2], classes)
    _write_lines(files[3], [f'{p}\t{r}' for p, r in bad])
    MMLogger.get_current_instance().info(
        f'{len(classes)} classes, {len(train)} train / {len(val)} val '
        f'videos, {len(bad)} bad -> {out_dir}')
    return dict(train=len(train), val=len(val), classes=classes, bad=bad,
                files=files)


def _class_names(labels: Sequence[str]) -> List[str]:
    """Sorted names; integer labels ``0..K-1`` keep their value."""
    names = sorted(set(labels))
    if all(n.isdigit() for n in names):
        top = max(int(n) for n in names)
        return [str(i) for i in range(top + 1)]
    return names


def _write_lines(path: str, lines: Sequence[str]) -> None:
    text = ''.join(line + '\n' for line in lines)
    atomic_write(path, lambda f: f.write(text.encode()))
