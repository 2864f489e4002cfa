"""FSDP auto-wrap policy for UMT models: one shard unit per student
transformer block (``umt_mm.models.layers.Block``).

Everything else (the frozen teacher included) stays in the root unit: the
algorithms call teacher parts through methods other than ``forward`` (e.g.
the class-token attention of its last block), which FSDP does not gather
for a wrapped sub-module. Use it as
``strategy.model_wrapper.auto_wrap_policy=dict(type='umt_block_wrap_policy')``
(``configs/_base_/strategies/fsdp.py``).
"""
from mmengine.registry import FUNCTIONS
from torch import nn


@FUNCTIONS.register_module()
def umt_block_wrap_policy(module: nn.Module, recurse: bool,
                          nonwrapped_numel: int) -> bool:
    """``True`` for student blocks (FSDP ``_Policy`` callable signature).

    Args:
        module (nn.Module): Candidate module.
        recurse (bool): Whether FSDP asks if it should descend.
        nonwrapped_numel (int): Parameters not yet wrapped (unused).
    """
    from .layers import Block
    return True if recurse else isinstance(module, Block)
