"""Mixed precision on CPU (``--amp`` without CUDA)."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from umt_mm.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Mixed precision on CPU: bfloat16 autocast, no loss scaling.

    mmengine's ``AmpOptimWrapper`` asserts a GPU/NPU/MLU/MUSA device in its
    constructor, and fp16 autocast plus ``GradScaler`` are GPU features. CPU
    autocast only supports bfloat16, which has float32's exponent range, so
    gradients need no scaling and the plain optimizer step is kept.

    Args:
        dtype (str | torch.dtype): Autocast dtype; only bfloat16 is
            accepted. Defaults to 'bfloat16'.
        **kwargs: Arguments of :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(self, dtype='bfloat16', **kwargs):
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype)
        if dtype != torch.bfloat16:
            raise ValueError(
                f'CPU autocast only supports bfloat16, got {dtype}')
        super().__init__(**kwargs)
        self.cast_dtype = dtype

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield
