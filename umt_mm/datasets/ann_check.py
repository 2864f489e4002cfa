"""Annotation-list checks run when a dataset is built.

mmaction2's list datasets parse leniently: a blank line becomes a video
named after the data prefix, a filename-only line gets label -1, and a
label outside ``[0, num_classes)`` only fails inside the loss (or gives
impossible test metrics). :func:`check_annotation_list` reads the list once
before the dataset is built and names the file and line of every problem.
"""
import os.path as osp

# dataset type -> number of leading fields before the labels
_LIST_TYPES = {
    'VideoDataset': 1,
    'RepeatAugDataset': 1,
    'RawframeDataset': 2,
}


class AnnotationError(ValueError):
    """An annotation list that cannot be trained or tested on."""


def _check_line(fields, lead, num_classes, multi_class):
    """Return a problem description for one split line, or None."""
    if len(fields) <= lead:
        return (f'expected {lead} field(s) and a label, got '
                f'{len(fields)} field(s) (a line without a label)')
    labels = fields[lead:]
    if not multi_class and len(labels) != 1:
        return (f'expected {lead + 1} fields, got {len(fields)} (a path '
                'with the delimiter in it, or several labels without '
                'multi_class=True)')
    for label in labels:
        try:
            value = int(label)
        except ValueError:
            return f'label {label!r} is not an integer'
        if value < 0 or (num_classes is not None and value >= num_classes):
            limit = '' if num_classes is None else f' < {num_classes}'
            return f'label {value} is outside 0 <= label{limit}'
    return None


def resolve_ann_file(dataset_cfg):
    """``ann_file`` of a dataset config, joined to ``data_root`` when
    relative (as mmengine's ``BaseDataset`` does)."""
    ann_file = dataset_cfg['ann_file']
    data_root = dataset_cfg.get('data_root')
    if data_root and not osp.isabs(ann_file):
        ann_file = osp.join(data_root, ann_file)
    return ann_file


def check_annotation_list(dataset_cfg, num_classes=None, max_report=20):
    """Check every line of a list dataset's ``ann_file`` before building it.

    Datasets whose type is not a text list (``VideoDataset``,
    ``RepeatAugDataset``, ``RawframeDataset``) are left alone;
    ``ConcatDataset`` configs are checked member by member.

    Args:
        dataset_cfg (dict): The dataset config.
        num_classes (int, optional): Labels must lie in
            ``[0, num_classes)``; only ``>= 0`` is checked when None (or when
            the config sets its own ``num_classes``, which wins).
            Defaults to None.
        max_report (int): At most this many lines are listed in the error.
            Defaults to 20.

    Returns:
        int: The number of lines checked (0 for other dataset types).

    Raises:
        AnnotationError: The list is missing, empty or has bad lines; the
            message names the file and each bad line.
    """
    if not isinstance(dataset_cfg, dict):
        return 0
    if dataset_cfg.get('type') == 'ConcatDataset':
        return sum(
            check_annotation_list(d, num_classes, max_report)
            for d in dataset_cfg.get('datasets', []))
    lead = _LIST_TYPES.get(dataset_cfg.get('type'))
    ann_file = dataset_cfg.get('ann_file')
    if lead is None or not ann_file:
        return 0
    ann_file = resolve_ann_file(dataset_cfg)
    if dataset_cfg.get('with_offset', False):
        lead += 1
    if not osp.isfile(ann_file):
        raise AnnotationError(f'annotation list {ann_file} does not exist')
    num_classes = dataset_cfg.get('num_classes') or num_classes
    multi_class = dataset_cfg.get('multi_class', False)
    delimiter = dataset_cfg.get('delimiter', ' ')
    problems = []
    with open(ann_file) as f:
        lines = f.read().splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            problem = 'blank line'
        else:
            problem = _check_line(
                line.strip().split(delimiter), lead, num_classes,
                multi_class)
        if problem:
            problems.append(f'  line {number}: {problem}: {line!r}')
    if not lines:
        raise AnnotationError(f'annotation list {ann_file} is empty')
    if problems:
        more = len(problems) - max_report
        listed = '\n'.join(problems[:max_report])
        tail = f'\n  ... and {more} more' if more > 0 else ''
        raise AnnotationError(
            f'{ann_file}: {len(problems)} bad line(s) of {len(lines)}:\n'
            f'{listed}{tail}')
    return len(lines)
