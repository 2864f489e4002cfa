"""The UMT student: a vanilla video ViT without class token."""
from typing import Dict, NamedTuple, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from torch import nn
from torch.utils.checkpoint import checkpoint

from ...checkpoint import load_init_cfg
from ...checkpoint.student import STUDENT_ALLOW_MISSING
from ...pos_embed import sincos_3d_table
from ...registry import MODELS
from ..layers import (Block, PatchEmbed3D, infer_grid, resize_pos_embed,
                      sincos_table)
from ..maskers import gather_kept


class ViTFeatures(NamedTuple):
    """What :meth:`UMTViT.forward_features` returns.

    Attributes:
        tokens (Tensor): Last block output ``(B, n, C)`` of the kept
            tokens, through ``norm`` when ``final_norm``.
        layers (Tensor | None): The last ``return_layers`` block outputs,
            each through ``norm``, ``(K, B, n, C)``; None when
            ``return_layers`` is 0.
        grid (tuple[int]): The input's token grid ``(T, H, W)``.
    """

    tokens: torch.Tensor
    layers: Optional[torch.Tensor]
    grid: Tuple[int, ...]


@MODELS.register_module()
class UMTViT(BaseModule):
    """Video ViT of Unmasked Teacher (UMT).

    Patch 16, tubelet 1 (no temporal downsampling), no class token and joint
    space-time attention over every kept token. Masked tokens (``mask`` True)
    are dropped after the positional embedding, before the blocks.

    Args:
        arch (str | dict): ``'b'``/``'base'``, ``'l'``/``'large'`` or a dict
            with ``embed_dims``, ``num_layers``, ``num_heads`` (and
            ``mlp_ratio``).
            Defaults to ``'b'``.
        img_size (int): Input resolution. Defaults to 224.
        num_frames (int): Input frames. Defaults to 8.
        patch_size (int): Spatial patch size. Defaults to 16.
        tubelet_size (int): Temporal patch size. Defaults to 1.
        in_channels (int): Input channels. Defaults to 3.
        qkv_bias (bool): Learn q/v biases. Defaults to True.
        drop_rate (float): Dropout inside the blocks. Defaults to 0.
        attn_drop_rate (float): Attention dropout. Defaults to 0.
        drop_path_rate (float): Final stochastic depth rate (linear rule).
            Defaults to 0.
        norm_eps (float): LayerNorm epsilon. Defaults to 1e-6.
        pos_embed (str): ``'sincos'`` (fixed, default), ``'learnable'`` or
            ``'sincos3d'`` (MVD's fixed space-time table).
        pretrain_grid (Sequence[int], optional): ``(T, H, W)`` token grid the
            sine-cosine table is built for, then resized to this model's grid
            as the official 16-frame / 384-pixel fine-tuning does (which also
            makes the embedding learnable there). Defaults to None: the
            model's own grid.
        final_norm (bool): Apply the final LayerNorm ``norm`` to the output.
            Stage 1 uses it; the official classifier replaces it by the head's
            ``fc_norm``. Defaults to True.
        return_layers (int): When > 0, :meth:`forward` returns the outputs of
            the last ``return_layers`` blocks, each through ``norm``, stacked
            as ``(K, B, N, C)`` for token alignment. Defaults to 0.
        out_type (str): ``'tokens'`` ``(B, N, C)`` or ``'featmap'``
            ``(B, C, T, H, W)`` (unmasked input only). Defaults to 'tokens'.
        with_cp (bool): Activation checkpointing. Defaults to False.
        num_cp_layers (int, optional): Checkpoint only the first N blocks.
            Defaults to None (all blocks when ``with_cp``).
        compile_blocks (bool): Run every block through ``torch.compile``
            (speed option; parameters and numerics unchanged). Falls back to
            eager blocks, with a warning, when compilation fails.
            Defaults to False.
        init_cfg (dict, optional): Initialisation config.
    """

    arch_zoo = {
        **dict.fromkeys(['b', 'base'],
                        dict(embed_dims=768, num_layers=12, num_heads=12)),
        **dict.fromkeys(['l', 'large'],
                        dict(embed_dims=1024, num_layers=24, num_heads=16)),
    }

    def __init__(self,
                 arch: Union[str, Dict] = 'b',
                 img_size: int = 224,
                 num_frames: int = 8,
                 patch_size: int = 16,
                 tubelet_size: int = 1,
                 in_channels: int = 3,
                 qkv_bias: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 norm_eps: float = 1e-6,
                 pos_embed: str = 'sincos',
                 pretrain_grid: Optional[Sequence[int]] = None,
                 final_norm: bool = True,
                 return_layers: int = 0,
                 out_type: str = 'tokens',
                 with_cp: bool = False,
                 num_cp_layers: Optional[int] = None,
                 compile_blocks: bool = False,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        arch = self._parse_arch(arch)
        self.embed_dims = arch['embed_dims']
        self.num_layers = arch['num_layers']
        if pos_embed not in ('sincos', 'learnable', 'sincos3d'):
            raise ValueError("pos_embed must be 'sincos', 'learnable' or "
                             f"'sincos3d', got {pos_embed!r}")
        if out_type not in ('tokens', 'featmap'):
            raise ValueError(f"out_type must be 'tokens' or 'featmap', "
                             f'got {out_type!r}')
        if not 0 <= return_layers <= self.num_layers:
            raise ValueError(f'return_layers must be in [0, {self.num_layers}]'
                             f', got {return_layers}')
        self.out_type = out_type
        self.return_layers = return_layers
        self.final_norm = final_norm
        self.with_cp = with_cp
        self.num_cp_layers = self.num_layers if num_cp_layers is None \
            else num_cp_layers
        self.compile_blocks = compile_blocks
        self.num_frames, self.img_size = num_frames, img_size
        self.patch_size, self.tubelet_size = patch_size, tubelet_size
        self.grid = (num_frames // tubelet_size, img_size // patch_size,
                     img_size // patch_size)

        self.patch_embed = PatchEmbed3D(patch_size, tubelet_size, in_channels,
                                        self.embed_dims)
        self._init_pos_embed(pos_embed, pretrain_grid)
        dpr = torch.linspace(0, drop_path_rate, self.num_layers,
                             device='cpu').tolist()
        self.blocks = nn.ModuleList([
            Block(self.embed_dims, arch['num_heads'],
                  arch.get('mlp_ratio', 4.), qkv_bias, drop_rate,
                  attn_drop_rate, dpr[i], norm_eps=norm_eps)
            for i in range(self.num_layers)
        ])
        # Without it (official classifier) ``norm`` holds no parameters.
        self.norm = nn.LayerNorm(self.embed_dims, eps=norm_eps) \
            if final_norm or return_layers else nn.Identity()
        self._register_load_state_dict_pre_hook(self._resize_pos_embed_hook)

    def _parse_arch(self, arch: Union[str, Dict]) -> Dict:
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise ValueError(f'unknown UMTViT arch {arch!r}; choose from '
                                 f'{sorted(self.arch_zoo)} or pass a dict')
            return self.arch_zoo[arch]
        missing = {'embed_dims', 'num_layers', 'num_heads'} - set(arch)
        if missing:
            raise ValueError(f'UMTViT arch dict lacks {sorted(missing)}')
        return arch

    def _init_pos_embed(self, kind: str,
                        pretrain_grid: Optional[Sequence[int]]) -> None:
        src = tuple(pretrain_grid) if pretrain_grid else self.grid
        table = sincos_3d_table(src, self.embed_dims) if kind == 'sincos3d' \
            else sincos_table(src[0] * src[1] * src[2], self.embed_dims)
        if src != self.grid:
            table = resize_pos_embed(table, src, self.grid)
        if kind == 'learnable':
            self.pos_embed = nn.Parameter(table)
        else:  # fixed: a non-persistent buffer, as absent from official ckpts
            self.register_buffer('pos_embed', table, persistent=False)

    def init_weights(self) -> None:
        """Xavier-uniform linears, zero biases, unit LayerNorms (official).

        A ``Pretrained`` ``init_cfg`` (``umt://`` or a file, ``prefix``,
        ``layout``, ``allow_missing``...) is loaded instead by
        :func:`umt_mm.checkpoint.load_init_cfg`: shapes must fit and only the
        final ``norm`` (and a learnable ``pos_embed``) may be missing.
        """
        if load_init_cfg(self, self.init_cfg,
                         allow_missing=STUDENT_ALLOW_MISSING):
            self._is_init = True
            return
        super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def no_weight_decay(self) -> set:
        return {'pos_embed'}

    def get_layer_depth(self, param_name: str,
                        prefix: str = '') -> Tuple[int, int]:
        """Layer id of a parameter for layer-wise lr decay, and the count.

        Official UMT/VideoMAE rule: ``patch_embed`` / ``pos_embed`` 0, block
        ``i`` ``i + 1``, everything else (``norm``, the head's ``fc_norm``
        and classifier, i.e. any name without ``prefix``)
        ``num_layers + 1``, out of ``num_layers + 2`` ids. mmpretrain's
        ``LearningRateDecayOptimWrapperConstructor`` then scales the lr by
        ``decay ** (num_layers + 1 - id)``.
        """
        count = self.num_layers + 2
        if not param_name.startswith(prefix):
            return count - 1, count
        name = param_name[len(prefix):]
        if name.startswith(('patch_embed', 'pos_embed')):
            return 0, count
        if name.startswith('blocks.'):
            return int(name.split('.')[1]) + 1, count
        return count - 1, count

    def _resize_pos_embed_hook(self, state_dict, prefix, *args,
                               **kwargs) -> None:
        """Resize a learnable ``pos_embed`` of another grid while loading."""
        key = prefix + 'pos_embed'
        if key not in state_dict or not isinstance(self.pos_embed,
                                                   nn.Parameter):
            return
        src = state_dict[key]
        if src.shape == self.pos_embed.shape:
            return
        src_grid = infer_grid(src.shape[1], self.grid)
        state_dict[key] = resize_pos_embed(src, src_grid, self.grid)
        MMLogger.get_current_instance().info(
            f'Resized {key} from grid {src_grid} to {self.grid}.')

    def fit_pos_embed(self, grid: Sequence[int]) -> torch.Tensor:
        """The positional embedding for an input token grid ``(T, H, W)``.

        The model's own grid uses the table as is. Fewer frames at the same
        spatial size take its first ``T*H*W`` rows (the table is flattened
        over time then space; the official image / short-clip table). The
        same frames at another spatial size resize it bicubically per frame
        (the official detector's online interpolation for whole frames).

        Raises:
            ValueError: more frames than ``num_frames``, or another frame
                count together with another spatial size.
        """
        grid = tuple(grid)
        if grid == self.grid:
            return self.pos_embed
        if grid[1:] == self.grid[1:] and grid[0] < self.grid[0]:
            return self.pos_embed[:, :grid[0] * grid[1] * grid[2]]
        if grid[0] == self.grid[0]:
            return resize_pos_embed(self.pos_embed, self.grid, grid)
        raise ValueError(f'input gives a token grid {grid} but the model '
                         f'is built for {self.grid} (num_frames / '
                         'img_size in the backbone config): fewer frames '
                         'at the same size, or the same frames at another '
                         'size, are supported')

    def tokens(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, ...]]:
        """Patch-embed a video and add the positional embedding fitted to
        its token grid (:meth:`fit_pos_embed`)."""
        x, grid = self.patch_embed(x)
        return x + self.fit_pos_embed(grid).to(x.dtype), grid

    def run_blocks(self, x: torch.Tensor) -> Tuple[torch.Tensor, list]:
        """Run every block; also collect the last ``return_layers`` outputs."""
        if self.compile_blocks:
            return self._run_compiled_blocks(x)
        first_kept = self.num_layers - self.return_layers
        kept = []
        for i, blk in enumerate(self.blocks):
            if self.with_cp and i < self.num_cp_layers and x.requires_grad:
                x = checkpoint(blk, x, use_reentrant=False)
            else:
                x = blk(x)
            if self.return_layers and i >= first_kept:
                kept.append(x)
        return x, kept

    def _run_compiled_blocks(self, x: torch.Tensor
                             ) -> Tuple[torch.Tensor, list]:
        """:meth:`run_blocks` through ``torch.compile``-d blocks.

        The compiled wrappers live outside the module tree (no
        ``_orig_mod`` keys in state dicts). Any compilation error turns the
        option off for this model and reruns the blocks eagerly.
        """
        compiled = self.__dict__.get('_compiled_blocks')
        if compiled is None:
            compiled = [torch.compile(blk) for blk in self.blocks]
            self.__dict__['_compiled_blocks'] = compiled
        first_kept = self.num_layers - self.return_layers
        kept = []
        y = x
        try:
            for i, blk in enumerate(compiled):
                if self.with_cp and i < self.num_cp_layers and \
                        y.requires_grad:
                    y = checkpoint(blk, y, use_reentrant=False)
                else:
                    y = blk(y)
                if self.return_layers and i >= first_kept:
                    kept.append(y)
        except Exception as e:  # noqa: BLE001  (backend/toolchain errors)
            MMLogger.get_current_instance().warning(
                f'UMTViT: torch.compile of the blocks failed '
                f'({type(e).__name__}: {str(e)[:200]}); running them '
                'eagerly.')
            self.compile_blocks = False
            self.__dict__.pop('_compiled_blocks', None)
            return self.run_blocks(x)
        return y, kept

    def forward_features(self,
                         x: torch.Tensor,
                         mask: Optional[torch.Tensor] = None) -> ViTFeatures:
        """Encode a video ``(B, C, T, H, W)``: tokens and aligned layers.

        Args:
            x (Tensor): The video.
            mask (Tensor, optional): Bool ``(B, N)`` over the input's
                tokens, True = dropped. Every sample must keep the same
                number of tokens.

        Returns:
            ViTFeatures: ``tokens``, ``layers`` (None without
            ``return_layers``) and the token ``grid``.
        """
        x, grid = self.tokens(x)
        if mask is not None:
            x = gather_kept(x, mask)
        x, kept = self.run_blocks(x)
        layers = self.norm(torch.stack(kept)) if kept else None
        tokens = self.norm(x) if self.final_norm else x
        return ViTFeatures(tokens, layers, grid)

    def forward(self,
                x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Encode a video ``(B, C, T, H, W)`` (see :meth:`forward_features`).

        Returns:
            Tensor: ``(K, B, N, C)`` aligned layers when ``return_layers``,
            else tokens ``(B, N, C)`` or a feature map ``(B, C, T, h, w)``.
        """
        out = self.forward_features(x, mask)
        if self.return_layers:
            return out.layers
        if self.out_type == 'featmap':
            if mask is not None:
                raise ValueError("out_type='featmap' needs an unmasked input")
            B, _, C = out.tokens.shape
            return out.tokens.transpose(1, 2).reshape(B, C, *out.grid)
        return out.tokens
