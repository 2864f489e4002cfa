"""Read sampled frames from frame shards (replaces DecordInit/DecordDecode).

In a pipeline::

    dict(type='PreparedFrameInit', root='data/k710/frames'),
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='PreparedFrameDecode'),

``UniformSample`` sees the same ``total_frames`` as on the source file and
draws the same indices; frame ``i`` of the shards is frame ``i`` as
``DecordDecode`` returns it (identical for ``png`` shards, within the
PSNR of the chosen quality for ``jpeg``/``webp``; see docs/benchmark.md).
"""
import os.path as osp
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from ...registry import TRANSFORMS
from ..frame_shards import FrameShardReader

_READERS: Dict[str, FrameShardReader] = {}


def get_reader(root: str) -> FrameShardReader:
    """One :class:`FrameShardReader` per root and process (lazy)."""
    if root not in _READERS:
        _READERS[root] = FrameShardReader(root)
    return _READERS[root]


@TRANSFORMS.register_module()
class PreparedFrameInit(BaseTransform):
    """Look a video up in a prepared root.

    Required keys: ``filename`` (its path relative to ``root`` is the video
    key: the dataset's ``data_prefix`` should be ``root``). Added keys:
    ``video_reader`` (``(reader, key)``), ``total_frames``, ``avg_fps``.

    Args:
        root (str): The prepared root (holds ``manifest.json``).
    """

    def __init__(self, root: str) -> None:
        self.root = root

    def transform(self, results: Dict) -> Dict:
        reader = get_reader(self.root)
        name = results['filename']
        key = osp.relpath(osp.abspath(name), osp.abspath(self.root))
        if key.startswith('..'):  # not under root: the list entry itself
            key = name
        info = reader.info(key)
        results['video_reader'] = (reader, key)
        results['total_frames'] = info['frames']
        results['avg_fps'] = info['fps']
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(root={self.root!r})'


@TRANSFORMS.register_module()
class PreparedFrameDecode(BaseTransform):
    """Decode ``frame_inds`` from the reader of :class:`PreparedFrameInit`.

    Required keys: ``video_reader``, ``frame_inds``. Added keys: ``imgs``
    (RGB uint8), ``original_shape``, ``img_shape`` (as ``DecordDecode``).
    """

    def transform(self, results: Dict) -> Dict:
        reader, key = results['video_reader']
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        results['frame_inds'] = frame_inds
        imgs = reader.frames(key, frame_inds)
        results['video_reader'] = None
        results['imgs'] = imgs
        results['original_shape'] = imgs[0].shape[:2]
        results['img_shape'] = imgs[0].shape[:2]
        return results


@TRANSFORMS.register_module()
class FlipFlag(BaseTransform):
    """Draw the flip decision of mmaction2's ``Flip`` without flipping.

    Added keys: ``flip`` (bool), ``flip_direction``. Same random draw as
    ``Flip(flip_ratio)`` (``np.random.rand() < flip_ratio``).

    Args:
        flip_ratio (float): Probability of a flip. Defaults to 0.5.
    """

    def __init__(self, flip_ratio: float = 0.5) -> None:
        self.flip_ratio = flip_ratio

    def transform(self, results: dict) -> dict:
        results['flip'] = bool(np.random.rand() < self.flip_ratio)
        results['flip_direction'] = 'horizontal'
        return results
