"""Plain-PyTorch re-statement of the official UMT AVA detector (test only).

Follows ``single_modality/action_detection/modeling_finetune.py`` of
OpenGVLab/unmasked_teacher: ViT (tubelet 1, numpy sine-cosine table resized
bicubically to the input grid per frame) -> ``norm`` -> temporal mean ->
torchvision ``roi_align`` (7x7, scale 1/16, sampling ratio 0, unaligned, as
its ``ROIAlign3d``) -> ``MaxPool2d(7)`` -> ``head`` (80 classes). Parameter
names are the official ones, so its ``state_dict()`` is an official
checkpoint in miniature.
"""
import torch.nn.functional as F
from official_ref import RefBlock, RefPatchEmbed, np_sinusoid_table
from torch import nn
from torchvision.ops import roi_align


class RefUMTAVA(nn.Module):

    def __init__(self, dim=32, depth=2, heads=2, frames=4, img=64, patch=16,
                 num_classes=80):
        super().__init__()
        self.grid = (frames, img // patch, img // patch)
        self.patch_embed = RefPatchEmbed(dim, patch)
        self.pos_embed = np_sinusoid_table(frames * self.grid[1] ** 2, dim)
        self.blocks = nn.ModuleList([RefBlock(dim, heads)
                                     for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, num_classes)
        self.max_pooler = nn.MaxPool2d((7, 7))

    def forward(self, x, boxes):
        """``x`` (B, 3, T, H, W); ``boxes`` list of (n_i, 4) pixel xyxy."""
        feat = self.patch_embed.proj(x)
        B, C, t, h, w = feat.shape
        tokens = feat.flatten(2).transpose(1, 2)
        pos = self.pos_embed.reshape(t, self.grid[1], self.grid[2], C)
        pos = F.interpolate(pos.permute(0, 3, 1, 2), size=(h, w),
                            mode='bicubic', align_corners=False)
        pos = pos.permute(0, 2, 3, 1).reshape(1, -1, C)
        tokens = tokens + pos
        for blk in self.blocks:
            tokens = blk(tokens)
        tokens = self.norm(tokens)
        fmap = tokens.reshape(B, t, h, w, C).permute(0, 4, 1, 2, 3).mean(2)
        rois = roi_align(fmap, [b.float() for b in boxes], 7, 1 / 16., 0,
                         aligned=False)
        return self.head(self.max_pooler(rois).flatten(1))
