"""Keep only the beginning of long videos before frame sampling."""
from typing import Dict

from mmcv.transforms import BaseTransform

from ...registry import TRANSFORMS


@TRANSFORMS.register_module()
class TrimVideo(BaseTransform):
    """Let frame sampling see only the first ``max_seconds`` of a video.

    Placed between a video init (``DecordInit``, which sets ``total_frames``
    and ``avg_fps``) and the sampler: a video longer than ``max_seconds``
    keeps ``int(max_seconds * avg_fps)`` frames, as the official UMT
    ``trimmed30`` option of its DiDeMo retrieval configs does.

    Args:
        max_seconds (float): Seconds kept. Defaults to 30.
    """

    def __init__(self, max_seconds: float = 30.) -> None:
        if max_seconds <= 0:
            raise ValueError(f'TrimVideo: max_seconds must be > 0, got '
                             f'{max_seconds}')
        self.max_seconds = max_seconds

    def transform(self, results: Dict) -> Dict:
        fps = results.get('avg_fps')
        if fps is None:
            raise KeyError('TrimVideo needs `avg_fps` (put it after '
                           'DecordInit)')
        total = results['total_frames']
        if total / float(fps) > self.max_seconds:
            results['total_frames'] = int(self.max_seconds * float(fps))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(max_seconds={self.max_seconds})'
