"""``PreparedVideoDataset``: a ``VideoDataset`` read from frame shards.

It takes the pipeline written for video files and replaces the decoding
steps (``DecordInit``/``DecordDecode`` or ``FastVideoInit``/
``FastSparseDecode``) by ``PreparedFrameInit``/``PreparedFrameDecode``, so a
config switches to prepared data by changing the dataset piece only
(``configs/_base_/datasets/k710_stage1_prepared.py``); sampling, crop, flip
and resize stay as written. ``batch_aug=True`` also leaves resize and flip
to :class:`umt_mm.models.BatchAugPreprocessor`.
"""
from typing import List, Sequence

from mmaction.datasets import VideoDataset

from ..registry import DATASETS

INIT_STEPS = ('DecordInit', 'FastVideoInit', 'PyAVInit', 'OpenCVInit')
DECODE_STEPS = ('DecordDecode', 'FastSparseDecode', 'PyAVDecode',
                'OpenCVDecode')


def prepared_pipeline(pipeline: Sequence[dict], root: str) -> List[dict]:
    """``pipeline`` reading frames from the shards under ``root``."""
    out, swapped = [], 0
    for step in pipeline:
        kind = step['type'].split('.')[-1]
        if kind in INIT_STEPS:
            step, swapped = dict(type='PreparedFrameInit', root=root), \
                swapped + 1
        elif kind in DECODE_STEPS:
            step, swapped = dict(type='PreparedFrameDecode'), swapped + 1
        out.append(dict(step))
    if swapped != 2:
        raise ValueError('pipeline: expected one video init and one decode '
                         f'step of {INIT_STEPS} / {DECODE_STEPS} to replace, '
                         f'found {swapped}')
    return out


def cpu_part_of_pipeline(pipeline: Sequence[dict]) -> List[dict]:
    """The CPU part of a pipeline whose resize/flip run on the device.

    ``Resize`` is dropped, ``Flip`` becomes ``FlipFlag`` and
    ``PackActionInputs`` packs ``flip`` into the data samples' metainfo.
    """
    out = []
    for step in pipeline:
        kind = step['type'].split('.')[-1]
        if kind == 'Resize':
            continue
        if kind == 'Flip':
            step = dict(type='FlipFlag',
                        flip_ratio=step.get('flip_ratio', 0.5))
        elif kind == 'PackActionInputs':
            keys = tuple(step.get('meta_keys', ('img_shape', 'img_key',
                                                'video_id', 'timestamp')))
            step = dict(step, meta_keys=keys + ('flip', ))
        out.append(dict(step))
    return out


@DATASETS.register_module()
class PreparedVideoDataset(VideoDataset):
    """``VideoDataset`` whose videos come from frame shards.

    Args:
        prepared_root (str): Output of
            ``tools/data/prepare_frame_shards.py``; set
            ``data_prefix=dict(video=prepared_root)`` too.
        pipeline (list[dict]): The pipeline for the video files.
        batch_aug (bool): Leave resize and flip to ``BatchAugPreprocessor``
            (set it as the model's data preprocessor). Defaults to False.
        **kwargs: ``VideoDataset`` arguments.
    """

    def __init__(self, prepared_root: str, pipeline: Sequence[dict],
                 batch_aug: bool = False, **kwargs) -> None:
        pipeline = prepared_pipeline(pipeline, prepared_root)
        if batch_aug:
            pipeline = cpu_part_of_pipeline(pipeline)
        self.prepared_root = prepared_root
        super().__init__(pipeline=pipeline, **kwargs)
