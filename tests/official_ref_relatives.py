"""Plain-PyTorch re-statements of the official VideoMAE / MVD / MAE modules.

Written from the definitions in UMT's ``single_modality`` release
(``models/modeling_pretrain.py``, ``engines/engine_for_pretraining.py``,
the VideoMAE code) and in ``ruiwang2021/mvd`` (``modeling_student.py``,
``modeling_teacher.py``, ``modeling_video_teacher.py``,
``engine_for_pretraining.py``), with the official parameter names, so that
umt_mm's modules can be compared against them on tiny random weights.
Test-only code.
"""
import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange
from official_ref import RefBlock, np_sinusoid_table
from torch import nn


def np_1d_table(dim, pos):
    """MAE's 1-D table: sines then cosines of ``pos * omega``."""
    omega = np.arange(dim // 2, dtype=np.float64) / (dim / 2.)
    omega = 1. / 10000**omega
    out = np.einsum('m,d->md', pos.reshape(-1), omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


def np_2d_table(dim, size, cls_token=False):
    """MAE's 2-D table over a ``size x size`` grid (width first)."""
    gw = np.arange(size, dtype=np.float32)
    gh = np.arange(size, dtype=np.float32)
    grid = np.stack(np.meshgrid(gw, gh), axis=0).reshape(2, 1, size, size)
    emb = np.concatenate([np_1d_table(dim // 2, grid[0]),
                          np_1d_table(dim // 2, grid[1])], axis=1)
    if cls_token:
        emb = np.concatenate([np.zeros([1, dim]), emb], axis=0)
    return emb


def np_3d_table(dim, size, t_size):
    """MVD's ``get_3d_sincos_pos_embed`` (no class token), ``(1, N, dim)``."""
    spatial = np_2d_table(dim // 4 * 3, size)
    temporal = np_1d_table(dim // 4, np.arange(t_size, dtype=np.float32))
    temporal = np.repeat(temporal[:, None], size**2, axis=1)
    spatial = np.repeat(spatial[None], t_size, axis=0)
    table = np.concatenate([temporal, spatial], axis=-1).reshape(-1, dim)
    return torch.FloatTensor(table).unsqueeze(0)


def _perturb(module):
    """Non-trivial norms and biases (official init makes them 1 / 0)."""
    for p in module.parameters():
        if p.dim() == 1:
            p.data.add_(torch.randn_like(p) * 0.1)


class RefTubeEmbed(nn.Module):

    def __init__(self, dim, patch, tubelet):
        super().__init__()
        k = (tubelet, patch, patch)
        self.proj = nn.Conv3d(3, dim, k, k)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class RefMaskDecoder(nn.Module):
    """``PretrainVisionTransformerDecoder``: blocks, norm, head."""

    def __init__(self, dim, depth, heads, out_dim):
        super().__init__()
        self.blocks = nn.ModuleList([RefBlock(dim, heads)
                                     for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, out_dim)

    def forward(self, x, return_token_num):
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x[:, -return_token_num:]))


def decode_masked(x_vis, mask, pos, mask_token, decoder):
    """The official decoder input: visible + pos, then mask token + pos."""
    B, _, C = x_vis.shape
    pos = pos.expand(B, -1, -1).type_as(x_vis)
    pos_vis = pos[~mask].reshape(B, -1, C)
    pos_mask = pos[mask].reshape(B, -1, C)
    x = torch.cat([x_vis + pos_vis, mask_token + pos_mask], dim=1)
    return decoder(x, pos_mask.shape[1])


class RefVideoEncoder(nn.Module):
    """VideoMAE ``PretrainVisionTransformerEncoder`` (1-D table)."""

    def __init__(self, dim, depth, heads, grid, patch, tubelet):
        super().__init__()
        self.patch_embed = RefTubeEmbed(dim, patch, tubelet)
        self.pos_embed = np_sinusoid_table(grid[0] * grid[1] * grid[2], dim)
        self.blocks = nn.ModuleList([RefBlock(dim, heads)
                                     for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def forward(self, x, mask=None, final_norm=True):
        x = self.patch_embed(x) + self.pos_embed.type_as(x)
        B, _, C = x.shape
        if mask is not None:
            x = x[~mask].reshape(B, -1, C)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x) if final_norm else x


class RefVideoMAE(nn.Module):
    """VideoMAE / UMT ``PretrainVisionTransformer`` (pixel decoder)."""

    def __init__(self, dim=32, depth=2, heads=2, dec_dim=16, dec_depth=2,
                 dec_heads=2, grid=(2, 2, 2), patch=16, tubelet=2):
        super().__init__()
        self.encoder = RefVideoEncoder(dim, depth, heads, grid, patch,
                                       tubelet)
        self.decoder = RefMaskDecoder(dec_dim, dec_depth, dec_heads,
                                      3 * tubelet * patch**2)
        self.encoder_to_decoder = nn.Linear(dim, dec_dim, bias=False)
        self.mask_token = nn.Parameter(torch.randn(1, 1, dec_dim) * .02)
        self.pos_embed = np_sinusoid_table(grid[0] * grid[1] * grid[2],
                                           dec_dim)
        _perturb(self)

    def forward(self, x, mask):
        x_vis = self.encoder_to_decoder(self.encoder(x, mask))
        return decode_masked(x_vis, mask, self.pos_embed, self.mask_token,
                             self.decoder)


def official_pixel_labels(videos, mask, patch=16, tubelet=2, normalize=True):
    """``engine_for_pretraining``'s labels from ImageNet-normalised videos
    given in [0, 1] scale statistics (as timm's constants)."""
    mean = torch.as_tensor((0.485, 0.456, 0.406))[None, :, None, None, None]
    std = torch.as_tensor((0.229, 0.224, 0.225))[None, :, None, None, None]
    unnorm = videos * std + mean
    if normalize:
        sq = rearrange(unnorm, 'b c (t p0) (h p1) (w p2) -> b (t h w) '
                       '(p0 p1 p2) c', p0=tubelet, p1=patch, p2=patch)
        sq = (sq - sq.mean(dim=-2, keepdim=True)) / (
            sq.var(dim=-2, unbiased=True, keepdim=True).sqrt() + 1e-6)
        patches = rearrange(sq, 'b n p c -> b n (p c)')
    else:
        patches = rearrange(unnorm, 'b c (t p0) (h p1) (w p2) -> b (t h w) '
                            '(p0 p1 p2 c)', p0=tubelet, p1=patch, p2=patch)
    B, _, C = patches.shape
    return patches[mask].reshape(B, -1, C)


class RefMVDStudent(nn.Module):
    """MVD ``PretrainMaskedVideoStudent`` (no class token)."""

    def __init__(self, dim=32, depth=2, heads=2, dec_depth=1, grid=(2, 2, 2),
                 patch=16, tubelet=2, img_dim=24, vid_dim=20):
        super().__init__()
        t, h, _ = grid
        self.patch_embed = RefTubeEmbed(dim, patch, tubelet)
        self.pos_embed = nn.Parameter(np_3d_table(dim, h, t),
                                      requires_grad=False)
        self.blocks = nn.ModuleList([RefBlock(dim, heads)
                                     for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        for b, out in (('img', img_dim), ('vid', vid_dim)):
            setattr(self, f'mask_token_{b}',
                    nn.Parameter(torch.randn(1, 1, dim) * .02))
            setattr(self, f'down_{b}', nn.Linear(dim, dim))
            setattr(self, f'decoder_{b}',
                    RefMaskDecoder(dim, dec_depth, heads, out))
            setattr(self, f'pos_embed_{b}',
                    nn.Parameter(np_3d_table(dim, h, t),
                                 requires_grad=False))
        _perturb(self)

    def forward(self, x, mask):
        x = self.patch_embed(x) + self.pos_embed.type_as(x)
        B, _, C = x.shape
        x = x[~mask].reshape(B, -1, C)
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        return tuple(
            decode_masked(getattr(self, f'down_{b}')(x), mask,
                          getattr(self, f'pos_embed_{b}'),
                          getattr(self, f'mask_token_{b}'),
                          getattr(self, f'decoder_{b}'))
            for b in ('img', 'vid'))


class RefTimmAttention(nn.Module):
    """timm's attention as MAE uses it: one full qkv bias."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.heads, -1).permute(
            2, 0, 3, 1, 4)
        attn = (q * q.shape[-1]**-0.5) @ k.transpose(-2, -1)
        x = (attn.softmax(-1) @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class RefTimmBlock(RefBlock):

    def __init__(self, dim, heads):
        super().__init__(dim, heads)
        self.attn = RefTimmAttention(dim, heads)


class RefMAETeacher(nn.Module):
    """MVD's ``MaskedAutoencoderViT`` image teacher (MAE encoder)."""

    def __init__(self, dim=24, depth=2, heads=2, size=2, patch=16):
        super().__init__()
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * .02)
        self.pos_embed = nn.Parameter(torch.from_numpy(
            np_2d_table(dim, size, cls_token=True)).float()[None],
            requires_grad=False)
        self.blocks = nn.ModuleList([RefTimmBlock(dim, heads)
                                     for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        _perturb(self)

    def forward(self, imgs):
        x = self.patch_embed.proj(imgs).flatten(2).transpose(1, 2)
        x = x + self.pos_embed[:, 1:]
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(
            x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1)
        for blk in self.blocks:
            x = blk(x)
        return x[:, 1:]


def official_mvd_loss(student, img_teacher, vid_teacher, videos, mask,
                      tubelet=2, w_img=1., w_vid=1.):
    """MVD ``engine_for_pretraining`` (time-stride loss, smooth-L1)."""
    out_img, out_vid = student(videos, mask)
    T = videos.shape[2]
    with torch.no_grad():
        feats = img_teacher(rearrange(videos[:, :, ::tubelet],
                                      'b c t h w -> (b t) c h w'))
        feats = rearrange(feats, '(b t) l c -> b (t l) c', t=T // tubelet)
        vfeats = vid_teacher(videos, final_norm=False)
    B = videos.shape[0]
    l_img = F.smooth_l1_loss(out_img,
                             feats[mask].reshape(B, -1, feats.shape[-1]))
    l_vid = F.smooth_l1_loss(out_vid,
                             vfeats[mask].reshape(B, -1, vfeats.shape[-1]))
    return w_img * l_img, w_vid * l_vid
