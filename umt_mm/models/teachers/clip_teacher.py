"""Frozen frame-wise CLIP visual encoder: the unmasked teacher."""
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from torch import nn

from ...checkpoint import load_weights, read_state_dict
from ...checkpoint.layouts.clip import resize_clip_pos_embed, to_openai_visual
from ...registry import MODELS


class LayerNorm32(nn.LayerNorm):
    """LayerNorm computed in fp32 as CLIP's (fp16/bf16 inputs stay stable)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.float()).to(x.dtype)


class QuickGELU(nn.Module):

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class CLIPAttention(nn.Module):
    """CLIP self-attention with ``nn.MultiheadAttention``'s parameter names.

    Runs through scaled-dot-product attention; :meth:`cls_attention` returns
    only the class-token row of the head-averaged attention map, so the
    teacher never materialises the full ``L x L`` matrix.
    """

    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim))
        self.out_proj = nn.Linear(dim, dim)

    def _qkv(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        B, L, C = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        return qkv.view(B, L, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, L, C = x.shape
        q, k, v = self._qkv(x)
        x = F.scaled_dot_product_attention(q, k, v)
        return self.out_proj(x.transpose(1, 2).reshape(B, L, C))

    def cls_attention(self, x: torch.Tensor) -> torch.Tensor:
        """Softmax attention of the class token to every token, head mean."""
        q, k, _ = self._qkv(x)
        scale = q.shape[-1]**-0.5
        logits = (q[:, :, :1] * scale) @ k.transpose(-2, -1)  # B, h, 1, L
        return logits.float().softmax(dim=-1).mean(dim=1)[:, 0]


class ResidualAttentionBlock(nn.Module):

    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        self.ln_1 = LayerNorm32(dim)
        self.attn = CLIPAttention(dim, num_heads)
        self.ln_2 = LayerNorm32(dim)
        self.mlp = nn.Sequential(
            OrderedDict([('c_fc', nn.Linear(dim, dim * 4)),
                         ('gelu', QuickGELU()),
                         ('c_proj', nn.Linear(dim * 4, dim))]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


@MODELS.register_module()
class CLIPTeacher(BaseModule):
    """Frozen CLIP ViT applied frame by frame (UMT's unmasked teacher).

    Parameter names are those of OpenAI CLIP's ``visual`` module. For every
    frame it returns the l2-normalised projected patch tokens of its last
    ``return_layers`` blocks (``ln_post`` then ``proj``, class token dropped)
    and the last block's class-token attention to the patch tokens (softmax
    over all tokens including the class token, averaged over heads, then the
    class column dropped).

    Args:
        arch (str | dict): ``'b16'``, ``'l14'`` or a dict with ``patch_size``,
            ``width``, ``layers``, ``heads``, ``output_dim``. Defaults to
            ``'b16'``.
        input_resolution (int): Frame size the teacher sees (196 for L/14 in
            UMT). Defaults to 224.
        return_layers (int): Number of last blocks returned. Defaults to 6.
        pretrained (str, optional): An OpenAI CLIP checkpoint (state dict or
            TorchScript archive), a Hugging Face CLIP directory or an official
            UMT extracted visual encoder. Loaded by :meth:`init_weights`;
            positional embeddings are resized to ``input_resolution``.
            Defaults to None (random initialisation, for tests and demos).
        weights_dtype (str, optional): Hold the (frozen, no-grad) weights in
            ``'bfloat16'`` or ``'float16'`` and run the teacher in that
            dtype (speed/memory option; LayerNorms keep fp32 parameters and
            compute in fp32). Defaults to None: the model's dtype (fp32).
        init_cfg (dict, optional): Unused; kept for the BaseModule API.
    """

    arch_zoo = {
        'b16': dict(patch_size=16, width=768, layers=12, heads=12,
                    output_dim=512),
        'l14': dict(patch_size=14, width=1024, layers=24, heads=16,
                    output_dim=768),
    }

    def __init__(self,
                 arch: Union[str, Dict] = 'b16',
                 input_resolution: int = 224,
                 return_layers: int = 6,
                 pretrained: Optional[str] = None,
                 weights_dtype: Optional[str] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if weights_dtype not in (None, 'bfloat16', 'float16'):
            raise ValueError("weights_dtype must be None, 'bfloat16' or "
                             f"'float16', got {weights_dtype!r}")
        self.weights_dtype = weights_dtype
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise ValueError(f'unknown CLIPTeacher arch {arch!r}; choose '
                                 f'from {sorted(self.arch_zoo)} or a dict')
            arch = self.arch_zoo[arch]
        width, layers = arch['width'], arch['layers']
        if not 1 <= return_layers <= layers:
            raise ValueError(f'return_layers must be in [1, {layers}], '
                             f'got {return_layers}')
        self.patch_size = arch['patch_size']
        self.input_resolution = input_resolution
        self.return_layers = return_layers
        self.pretrained = pretrained
        self.output_dim = arch['output_dim']
        grid = input_resolution // self.patch_size
        scale = width**-0.5
        self.conv1 = nn.Conv2d(3, width, self.patch_size, self.patch_size,
                               bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(
            scale * torch.randn(grid * grid + 1, width))
        self.ln_pre = LayerNorm32(width)
        self.transformer = nn.Module()
        self.transformer.resblocks = nn.ModuleList(
            [ResidualAttentionBlock(width, arch['heads'])
             for _ in range(layers)])
        self.ln_post = LayerNorm32(width)
        self.proj = nn.Parameter(scale * torch.randn(width, self.output_dim))
        self._random_init_blocks()
        self.requires_grad_(False)
        self.eval()
        self._cast_weights()

    def _cast_weights(self) -> None:
        """Cast all but the LayerNorm parameters to ``weights_dtype``."""
        if self.weights_dtype is None:
            return
        dtype = getattr(torch, self.weights_dtype)
        for module in self.modules():
            if isinstance(module, LayerNorm32):
                continue
            for param in module.parameters(recurse=False):
                param.data = param.data.to(dtype)

    def _random_init_blocks(self) -> None:
        """OpenAI CLIP's initialisation (used when no checkpoint is given)."""
        blocks = self.transformer.resblocks
        width = self.class_embedding.shape[0]
        proj_std = width**-0.5 * (2 * len(blocks))**-0.5
        for blk in blocks:
            nn.init.normal_(blk.attn.in_proj_weight, std=width**-0.5)
            nn.init.normal_(blk.attn.out_proj.weight, std=proj_std)
            nn.init.normal_(blk.mlp.c_fc.weight, std=(2 * width)**-0.5)
            nn.init.normal_(blk.mlp.c_proj.weight, std=proj_std)

    def init_weights(self) -> None:
        """Load ``pretrained`` if given; never re-initialise otherwise."""
        if self.pretrained:
            self.load_pretrained(self.pretrained)

    def load_pretrained(self, path: str) -> None:
        """Load CLIP weights from any supported layout (strict).

        Raises:
            FileNotFoundError: ``path`` does not exist.
            ValueError: the keys or shapes do not form a CLIP visual encoder
                of this architecture; the message lists them.
        """
        if not osp.exists(path):
            raise FileNotFoundError(
                f'CLIP teacher checkpoint not found: {path}')
        state = to_openai_visual(read_state_dict(path))
        if 'positional_embedding' in state:
            state['positional_embedding'] = resize_clip_pos_embed(
                state['positional_embedding'],
                self.input_resolution // self.patch_size)
        load_weights(
            self, state, layout='umt_mm', source=path,
            hint='Supported: OpenAI CLIP, Hugging Face CLIP directory, UMT '
            'extracted visual encoder.')
        self._cast_weights()
        MMLogger.get_current_instance().info(
            f'CLIPTeacher loaded {path} at {self.input_resolution}px.')

    def train(self, mode: bool = True) -> 'CLIPTeacher':
        """The teacher stays in eval mode."""
        return super().train(False)

    def embed(self, frames: torch.Tensor) -> torch.Tensor:
        """Frames ``(BT, 3, H, W)`` -> tokens with class token
        ``(BT, 1+L, C)``."""
        x = self.conv1(frames).flatten(2).transpose(1, 2)
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        return self.ln_pre(x)

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """``ln_post``, visual projection and l2 norm of the patch tokens."""
        x = self.ln_post(x[:, 1:]) @ self.proj.to(x.dtype)
        return F.normalize(x, dim=-1)

    @torch.no_grad()
    def encode_video(self, video: torch.Tensor
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
        """:meth:`forward` on frames resized (bicubic) to ``input_resolution``.

        The students see 224 px frames while e.g. CLIP-L/14 runs at 196 px;
        the official code resizes the normalised frames, as done here.
        """
        size = self.input_resolution
        B, C, T, H, W = video.shape
        if (H, W) != (size, size):
            video = F.interpolate(video.reshape(B, C * T, H, W),
                                  size=(size, size), mode='bicubic',
                                  align_corners=False).view(
                                      B, C, T, size, size)
        return self(video)

    @torch.no_grad()
    def forward(self, video: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Encode ``(B, 3, T, H, W)`` frame by frame.

        Returns:
            tuple: targets ``(K, B, T*L, output_dim)`` in block order and the
            class-token attention ``(B*T, L)`` of the last block.
        """
        B, C, T, H, W = video.shape
        if H != self.input_resolution or W != self.input_resolution:
            raise ValueError(f'CLIPTeacher expects {self.input_resolution}px '
                             f'frames, got {H}x{W}')
        if self.weights_dtype is not None:
            video = video.to(self.conv1.weight.dtype)
        x = self.embed(video.transpose(1, 2).reshape(B * T, C, H, W))
        blocks = self.transformer.resblocks
        first_kept = len(blocks) - self.return_layers
        targets = []
        for i, blk in enumerate(blocks):
            if i == len(blocks) - 1:
                attn = blk.attn.cls_attention(blk.ln_1(x))[:, 1:]
            x = blk(x)
            if i >= first_kept:
                targets.append(self.project(x))
        targets = torch.stack(targets)  # K, BT, L, D
        K, _, L, D = targets.shape
        return targets.reshape(K, B, T * L, D), attn
