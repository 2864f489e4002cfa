"""InternVideo model interaction: cross-model attention between encoders."""
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmaction.models.heads import BaseHead
from timm.layers import Mlp
from torch import nn

from ...registry import MODELS


class CrossModelAttention(nn.Module):
    """One class token attends to the other encoder's tokens, then an FFN.

    ``x = q + tanh(g_attn) * MHCA(LN(q), LN(kv))`` and
    ``x = x + tanh(g_ffn) * FFN(LN(x))``; both gates start at zero
    (Flamingo-style, as InternVideo), so the untrained module returns its
    query unchanged.

    Args:
        dims (int): Query (class token) width.
        kv_dims (int): Width of the attended tokens.
        num_heads (int): Attention heads.
        mlp_ratio (float): FFN hidden ratio. Defaults to 4.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6.
    """

    def __init__(self, dims: int, kv_dims: int, num_heads: int,
                 mlp_ratio: float = 4., norm_eps: float = 1e-6) -> None:
        super().__init__()
        self.norm_q = nn.LayerNorm(dims, eps=norm_eps)
        self.norm_kv = nn.LayerNorm(kv_dims, eps=norm_eps)
        self.attn = nn.MultiheadAttention(dims, num_heads, kdim=kv_dims,
                                          vdim=kv_dims, batch_first=True)
        self.attn_gate = nn.Parameter(torch.zeros(1))
        self.norm_ffn = nn.LayerNorm(dims, eps=norm_eps)
        self.ffn = Mlp(dims, int(dims * mlp_ratio))
        self.ffn_gate = nn.Parameter(torch.zeros(1))

    def forward(self, query: torch.Tensor,
                tokens: torch.Tensor) -> torch.Tensor:
        """``query (B, 1, C)`` attends to ``tokens (B, N, C_kv)``."""
        kv = self.norm_kv(tokens)
        attn = self.attn(self.norm_q(query), kv, kv, need_weights=False)[0]
        x = query + self.attn_gate.tanh() * attn
        return x + self.ffn_gate.tanh() * self.ffn(self.norm_ffn(x))


@MODELS.register_module()
class CrossModelInteractionHead(BaseHead):
    """Fuses a masked-video and a multimodal video encoder (InternVideo).

    Input: the two encoders' tokens ``(tokens_masked, tokens_multimodal)``
    (a :class:`DualVideoEncoder`). Each encoder's class token (the mean of
    its tokens, what its own classifier pools) is updated by a
    :class:`CrossModelAttention` from the *other* encoder's tokens, then
    classified by that encoder's own :class:`UMTClsHead` (``fc_norm`` +
    ``fc_cls``, loadable from its fine-tuned checkpoint). The two scores are
    summed with learnable weights ``softmax(w)``, ``w`` initialised at zero
    (an equal average).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Width of the masked-video encoder.
        mm_channels (int): Width of the multimodal encoder.
        num_heads (int): Heads of both cross attentions. Defaults to 8.
        mlp_ratio (float): FFN hidden ratio. Defaults to 4.
        dropout_ratio (float): Dropout before each classifier.
            Defaults to 0.
        loss_cls (dict): Classification loss. Defaults to cross entropy.
        average_clips (str): mmaction2's test-time view averaging.
            Defaults to 'prob'.
        topk (Sequence[int]): Accuracies logged in training.
            Defaults to (1, 5).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 mm_channels: int,
                 num_heads: int = 8,
                 mlp_ratio: float = 4.,
                 dropout_ratio: float = 0.,
                 loss_cls: Optional[Dict] = None,
                 average_clips: str = 'prob',
                 topk: Sequence[int] = (1, 5),
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(num_classes, in_channels,
                         loss_cls=loss_cls or dict(type='CrossEntropyLoss'),
                         average_clips=average_clips, topk=tuple(topk),
                         init_cfg=init_cfg)
        self.cma_masked = CrossModelAttention(in_channels, mm_channels,
                                              num_heads, mlp_ratio)
        self.cma_multimodal = CrossModelAttention(mm_channels, in_channels,
                                                  num_heads, mlp_ratio)
        self.masked_head = MODELS.build(dict(
            type='UMTClsHead', num_classes=num_classes,
            in_channels=in_channels, dropout_ratio=dropout_ratio))
        self.multimodal_head = MODELS.build(dict(
            type='UMTClsHead', num_classes=num_classes,
            in_channels=mm_channels, dropout_ratio=dropout_ratio))
        self.fusion_weights = nn.Parameter(torch.zeros(2))

    def forward(self, feats: Tuple[torch.Tensor, torch.Tensor],
                **kwargs) -> torch.Tensor:
        """Fused class scores ``(B, num_classes)``."""
        masked, multimodal = feats
        cls_masked = self.cma_masked(masked.mean(1, keepdim=True),
                                     multimodal)
        cls_mm = self.cma_multimodal(multimodal.mean(1, keepdim=True),
                                     masked)
        w = self.fusion_weights.softmax(0)
        return w[0] * self.masked_head(cls_masked) + \
            w[1] * self.multimodal_head(cls_mm)
