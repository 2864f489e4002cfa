"""Plain re-statements of the fine-tuned UMT classifiers, for converter tests.

* :class:`RefFinetuneViT`: the official ``single_modality``
  ``VisionTransformer`` (mean pooling, ``norm`` = Identity, ``fc_norm``,
  ``fc_dropout``, ``head``; fixed sine-cosine table at 8x14x14, or the
  interpolated table saved as a learnable ``pos_embed``).
* :class:`RefMMActionUMT`: mmaction2 ``projects/umt`` (``UMTViT`` whose
  forward ends with ``fc_norm(x.mean(1))`` + ``TimeSformerHead.fc_cls``).

Test-only code; the transformer blocks come from :mod:`official_ref`.
"""
import torch
import torch.nn.functional as F
from official_ref import RefBlock, RefPatchEmbed, np_sinusoid_table
from torch import nn


def ref_interpolated_table(dim, src, dst):
    """Official 16-frame / 384-px table: bicubic over space, linear in time."""
    (t, p, _), (nt, np_, _) = src, dst
    table = np_sinusoid_table(t * p * p, dim).reshape(t, p, p, dim)
    table = table.permute(0, 3, 1, 2)
    table = F.interpolate(table, size=(np_, np_), mode='bicubic',
                          align_corners=False)
    table = table.permute(0, 2, 3, 1).reshape(1, t, np_, np_, dim)
    table = table.permute(0, 2, 3, 4, 1).reshape(-1, dim, t)
    table = F.interpolate(table, size=nt, mode='linear')
    table = table.reshape(1, np_, np_, dim, nt).permute(0, 4, 1, 2, 3)
    return table.flatten(1, 3)


class _RefTrunk(nn.Module):

    def __init__(self, dim, depth, heads, grid, patch, pretrain_grid):
        super().__init__()
        self.patch_embed = RefPatchEmbed(dim, patch)
        n = grid[0] * grid[1] * grid[2]
        if pretrain_grid is None or tuple(pretrain_grid) == tuple(grid):
            self.register_buffer('pos_embed', np_sinusoid_table(n, dim),
                                 persistent=False)
        else:
            self.pos_embed = nn.Parameter(
                ref_interpolated_table(dim, pretrain_grid, grid))
        self.blocks = nn.ModuleList([RefBlock(dim, heads)
                                     for _ in range(depth)])
        self.fc_norm = nn.LayerNorm(dim, eps=1e-6)

    def features(self, x):
        x = self.patch_embed(x) + self.pos_embed.type_as(x)
        for blk in self.blocks:
            x = blk(x)
        return self.fc_norm(x.mean(1))


def _perturb(module):
    for p in module.parameters():  # non-trivial norms, biases and tables
        p.data.add_(torch.randn_like(p) * 0.1)


class RefFinetuneViT(_RefTrunk):
    """Official fine-tuned classifier (``head``, ``fc_norm`` at top level)."""

    def __init__(self, dim=32, depth=2, heads=2, grid=(2, 2, 2), patch=16,
                 num_classes=5, pretrain_grid=None):
        super().__init__(dim, depth, heads, grid, patch, pretrain_grid)
        self.norm = nn.Identity()
        self.fc_dropout = nn.Dropout(0.5)
        self.head = nn.Linear(dim, num_classes)
        _perturb(self)

    def forward(self, x):
        return self.head(self.fc_dropout(self.features(x)))


class RefMMActionUMT(nn.Module):
    """mmaction2 ``projects/umt``: ``backbone`` (with ``fc_norm``) +
    ``cls_head.fc_cls``."""

    def __init__(self, dim=32, depth=2, heads=2, grid=(2, 2, 2), patch=16,
                 num_classes=5, pretrain_grid=None):
        super().__init__()
        self.backbone = _RefTrunk(dim, depth, heads, grid, patch,
                                  pretrain_grid)
        self.cls_head = nn.Module()
        self.cls_head.fc_cls = nn.Linear(dim, num_classes)
        _perturb(self)

    def forward(self, x):
        return self.cls_head.fc_cls(self.backbone.features(x))
