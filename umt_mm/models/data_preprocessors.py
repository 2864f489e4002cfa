"""Video data preprocessors: normalisation in place, and batch augmentation
on the model's device.

:class:`VideoDataPreprocessor` is mmaction2's ``ActionDataPreprocessor``
with the same values for less work per step (measured for a batch of eight
8x64x64 clips on the 2-core CPU VM, docs/benchmark.md):

* the batch is converted to float32 once and normalised in place
  (``(x - mean) / std`` allocates two float batches; on CPU, fresh
  allocations page-fault: ~5-6 ms per step against ~0.5 ms), and clips
  of equal shape skip ``stack_batch``'s padding arithmetic (small tensor
  operations, ~0.1 ms with the caches cold after a step);
* data samples already on the model's device are passed on as they are,
  as ``Tensor.to`` does, instead of ``BaseDataElement.to``'s copy with a
  deep copy of the metainfo (on a GPU they are moved as before); tensors,
  lists and dicts are cast without mmengine's chain of ABC checks.

Batch augmentation: resize and flip in the data preprocessor instead of the
CPU pipeline.

The CPU pipeline keeps the random draws (frame indices, multi-scale crop box,
flip decision) and the crop itself (a slice), and stops before ``Resize``;
:class:`BatchAugPreprocessor` resizes every clip to ``size`` (bilinear, as
mmcv's ``imresize``, rounded to integers like a uint8 image), flips the clips
marked ``flip`` and normalises the batch.
``PreparedVideoDataset(batch_aug=True)`` (or
:func:`umt_mm.datasets.prepared_dataset.cpu_part_of_pipeline`) gives the CPU
part.
"""
from typing import List, Tuple

import torch
import torch.nn.functional as F
from mmaction.models.data_preprocessors import ActionDataPreprocessor
from mmengine.model import stack_batch
from mmengine.structures import BaseDataElement

from ..registry import MODELS

#: the default preprocessor of the UMT algorithms: ImageNet mean/std, NCTHW
VIDEO_PREPROCESSOR = dict(
    type='VideoDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    format_shape='NCTHW')


def on_device(sample: BaseDataElement, device) -> bool:
    """Whether every tensor of a data sample (nested samples included) is
    on ``device``: ``BaseDataElement.to(device)`` would only copy it.

    Any other field with a ``to`` method counts as not on the device.
    """
    device = torch.device(device)
    for value in sample.values():
        if isinstance(value, torch.Tensor):
            if value.device != device:
                return False
        elif isinstance(value, BaseDataElement):
            if not on_device(value, device):
                return False
        elif hasattr(value, 'to'):
            return False
    return True


def stack_float(inputs: List[torch.Tensor]) -> torch.Tensor:
    """``stack_batch(inputs).to(torch.float32)``, a new tensor: clips of one
    shape are stacked directly, others go through ``stack_batch`` (zero
    padding to the largest shape)."""
    shape = inputs[0].shape
    same = all(x.shape == shape for x in inputs)
    return (torch.stack(inputs) if same else stack_batch(inputs)).to(
        torch.float32)


@MODELS.register_module()
class VideoDataPreprocessor(ActionDataPreprocessor):
    """``ActionDataPreprocessor`` normalising in place.

    Stacks the batch, converts it to float32 once and subtracts the mean
    and divides by the std in that tensor: the same values as
    ``ActionDataPreprocessor`` (same float32 operations in the same order),
    one float batch allocated instead of two. ``to_rgb``, ``MIX2d3d`` and
    unnormalised settings fall back to the parent. Data samples whose
    tensors are all on the model's device are not copied (see the module
    notes).

    Args:
        **kwargs: ``ActionDataPreprocessor`` arguments (mean, std,
            format_shape, blending, ...).
    """

    def cast_data(self, data):
        # the common types first, then mmengine's chain of ABC checks
        if isinstance(data, torch.Tensor):
            return data.to(self.device, non_blocking=self._non_blocking)
        if type(data) is list:
            return [self.cast_data(x) for x in data]
        if type(data) is dict:
            return {key: self.cast_data(x) for key, x in data.items()}
        if isinstance(data, BaseDataElement) and on_device(
                data, self.device):
            return data
        return super().cast_data(data)  # recurses through cast_data

    def preprocess(self, inputs: List[torch.Tensor], data_samples,
                   training: bool = False) -> Tuple:
        if not self._enable_normalize or self.to_rgb or \
                self.format_shape == 'MIX2d3d':
            return super().preprocess(inputs, data_samples, training)
        batch = stack_float(inputs)  # a new tensor: safe to modify in place
        batch.sub_(self.mean).div_(self.std)
        if training and self.blending is not None:
            batch, data_samples = self.blending(batch, data_samples)
        return batch, data_samples


@MODELS.register_module()
class BatchAugPreprocessor(VideoDataPreprocessor):
    """:class:`VideoDataPreprocessor` that first resizes and flips each clip.

    Inputs are ``(num_clips, C, T, H, W)`` uint8 tensors of any ``H, W``
    (``NCTHW`` only). Clips whose data sample has ``flip=True`` in its
    metainfo are flipped horizontally after the resize.

    Args:
        size (int | tuple): Output ``(h, w)`` (an int: square).
        **kwargs: ``ActionDataPreprocessor`` arguments (mean, std, ...).
    """

    def __init__(self, size, **kwargs) -> None:
        super().__init__(**kwargs)
        if self.format_shape != 'NCTHW':
            raise ValueError('BatchAugPreprocessor: format_shape must be '
                             f"'NCTHW', got {self.format_shape!r}")
        self.size = (size, size) if isinstance(size, int) else tuple(size)

    def resize_flip(self, clip: torch.Tensor, flip: bool) -> torch.Tensor:
        """Resize one ``(N, C, T, H, W)`` clip to ``size``; flip it."""
        n, c, t, h, w = clip.shape
        if (h, w) != self.size:
            x = clip.float().transpose(1, 2).reshape(n * t, c, h, w)
            x = F.interpolate(x, size=self.size, mode='bilinear',
                              align_corners=False)
            x = x.round_().clamp_(0, 255)
            clip = x.reshape(n, t, c, *self.size).transpose(1, 2)
        return clip.flip(-1) if flip else clip

    def preprocess(self, inputs: List[torch.Tensor], data_samples,
                   training: bool = False) -> Tuple:
        inputs = [
            self.resize_flip(x, bool(s.metainfo.get('flip', False))
                             if s is not None else False)
            for x, s in zip(inputs, data_samples or [None] * len(inputs))
        ]
        return super().preprocess(inputs, data_samples, training)
