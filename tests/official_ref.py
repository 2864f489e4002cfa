"""Plain-PyTorch re-statements of the official UMT modules, for fidelity tests.

Written from the official release's definitions (explicit attention
matrices, ``nn.MultiheadAttention`` in CLIP, numpy sine-cosine tables, the
training loop's masking and loss) so that umt_mm's modules can be compared
against them on tiny random weights. Test-only code.
"""
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def np_sinusoid_table(n_position, d_hid):
    """The official numpy table, ``(1, N, d)``."""
    table = np.array([[pos / np.power(10000, 2 * (j // 2) / d_hid)
                       for j in range(d_hid)] for pos in range(n_position)])
    table[:, 0::2] = np.sin(table[:, 0::2])
    table[:, 1::2] = np.cos(table[:, 1::2])
    return torch.tensor(table, dtype=torch.float).unsqueeze(0)


class RefAttention(nn.Module):

    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads)**-0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.q_bias = nn.Parameter(torch.randn(dim) * 0.1)
        self.v_bias = nn.Parameter(torch.randn(dim) * 0.1)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        bias = torch.cat((self.q_bias, torch.zeros_like(self.v_bias),
                          self.v_bias))
        qkv = F.linear(x, self.qkv.weight, bias)
        qkv = qkv.reshape(B, N, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, -1))


class RefMlp(nn.Module):

    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class RefBlock(nn.Module):

    def __init__(self, dim, num_heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = RefAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = RefMlp(dim, dim * 4)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class RefPatchEmbed(nn.Module):

    def __init__(self, dim, patch):
        super().__init__()
        self.proj = nn.Conv3d(3, dim, (1, patch, patch), (1, patch, patch))

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class RefEncoder(nn.Module):
    """``PretrainVisionTransformerEncoder`` (tubelet 1, sin-cos, no head)."""

    def __init__(self, dim, depth, heads, num_patches, return_layers, patch):
        super().__init__()
        self.patch_embed = RefPatchEmbed(dim, patch)
        self.pos_embed = np_sinusoid_table(num_patches, dim)
        self.blocks = nn.ModuleList([RefBlock(dim, heads)
                                     for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.return_index = [depth - i - 1 for i in range(return_layers)]

    def forward_features(self, x, mask=None, use_image=False):
        """Final-norm kept tokens and the stacked aligned layers (normed)."""
        x = self.patch_embed(x)
        pos = self.img_pos_embed if use_image else self.pos_embed
        x = x + pos.type_as(x)
        B, _, C = x.shape
        if mask is not None:
            x = x[~mask].reshape(B, -1, C)
        outs = []
        for idx, blk in enumerate(self.blocks):
            x = blk(x)
            if idx in self.return_index:
                outs.append(x)
        return self.norm(x), self.norm(torch.stack(outs))

    def forward(self, x, mask):
        return self.forward_features(x, mask)[1]


class RefDecoder(nn.Module):

    def __init__(self, in_dim, out_dim):
        super().__init__()
        self.head = nn.Linear(in_dim, out_dim)
        self.norm = nn.LayerNorm(out_dim, eps=1e-6)

    def forward(self, x):
        x = self.norm(self.head(x))
        return x / x.norm(dim=-1, keepdim=True)


class RefPretrainModel(nn.Module):
    """``PretrainVisionTransformer``: encoder + ``clip_decoder`` list."""

    def __init__(self, dim=32, depth=3, heads=2, grid=(2, 2, 2), out_dim=24,
                 return_layers=2, patch=16):
        super().__init__()
        n = grid[0] * grid[1] * grid[2]
        self.encoder = RefEncoder(dim, depth, heads, n, return_layers, patch)
        self.clip_decoder = nn.ModuleList(
            [RefDecoder(dim, out_dim) for _ in range(return_layers)])
        self.clip_pos_embed = np_sinusoid_table(n, dim)
        for p in self.parameters():  # non-trivial norms and biases
            if p.dim() == 1:
                p.data.add_(torch.randn_like(p) * 0.1)

    def forward(self, x, mask):
        feats = self.encoder(x, mask)
        K, B, _, C = feats.shape
        pos = self.clip_pos_embed.repeat(B, 1, 1).type_as(x)
        pos = pos[~mask].view(B, -1, C).unsqueeze(0).repeat(K, 1, 1, 1)
        feats = feats + pos
        return torch.stack([dec(feats[i])
                            for i, dec in enumerate(self.clip_decoder)])


class RefCLIPBlock(nn.Module):

    def __init__(self, width, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([
            ('c_fc', nn.Linear(width, width * 4)),
            ('gelu', _QuickGELU()),
            ('c_proj', nn.Linear(width * 4, width))]))
        self.ln_2 = nn.LayerNorm(width)

    def forward(self, x, return_attn=False):
        y = self.ln_1(x)
        out, attn = self.attn(y, y, y, need_weights=return_attn)
        x = x + out
        x = x + self.mlp(self.ln_2(x))
        return (x, attn) if return_attn else x


class _QuickGELU(nn.Module):

    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class RefCLIPVisual(nn.Module):
    """The official teacher (OpenAI visual names, Conv3d with kernel T=1)."""

    def __init__(self, resolution=32, patch=16, width=32, layers=3, heads=2,
                 output_dim=24, return_layers=2):
        super().__init__()
        scale = width**-0.5
        self.conv1 = nn.Conv3d(3, width, (1, patch, patch), (1, patch, patch),
                               bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(
            scale * torch.randn((resolution // patch)**2 + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = nn.Module()
        self.transformer.resblocks = nn.ModuleList(
            [RefCLIPBlock(width, heads) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, output_dim))
        self.return_index = [layers - i - 1 for i in range(return_layers)]
        for p in self.parameters():
            if p.dim() == 1:
                p.data.add_(torch.randn_like(p) * 0.1)

    def forward(self, x):
        x = self.conv1(x)
        N, C, T, H, W = x.shape
        x = x.permute(0, 2, 3, 4, 1).reshape(N * T, H * W, C)
        cls = self.class_embedding + torch.zeros(x.shape[0], 1, C)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.ln_pre(x).permute(1, 0, 2)
        blocks = self.transformer.resblocks
        z = []
        for idx, blk in enumerate(blocks):
            if idx == len(blocks) - 1:
                x, attn = blk(x, return_attn=True)
            else:
                x = blk(x)
            if idx in self.return_index:
                z.append(x)
        x = torch.stack(z)
        K = x.shape[0]
        x = self.ln_post(x[:, 1:])
        x = x.view(K, H * W, N, T, C).permute(0, 2, 3, 1, 4).reshape(
            K, N, T * H * W, C)
        x = x @ self.proj
        x = x / x.norm(dim=-1, keepdim=True)
        return x, attn[:, 0, 1:]


def ref_attention_mask(attn, batch_size, mask_ratio):
    """The official training loop's semantic masking."""
    BT, N = attn.shape
    n_vis = N - int(N * mask_ratio)
    importance = torch.multinomial(attn, N)
    mask = torch.ones((BT, N))
    pos1 = torch.arange(BT).view(-1, 1).repeat(1, n_vis)
    mask[pos1, importance[:, :n_vis]] = 0
    return mask.view(batch_size, -1).to(torch.bool)


def ref_l2_loss(outputs, targets):
    return (2 - 2 * (outputs * targets).sum(dim=-1)).mean()


class RefStage2Decoder(nn.Module):
    """Multi-modality ``Linear_Decoder``: default LayerNorm, no l2."""

    def __init__(self, in_dim, out_dim):
        super().__init__()
        self.head = nn.Linear(in_dim, out_dim)
        self.norm = nn.LayerNorm(out_dim)

    def forward(self, x):
        return self.norm(self.head(x))


class RefStage2Vision(nn.Module):
    """The multi-modality ``PretrainVisionTransformer`` (``vision_encoder``
    of the official stage-2 model): the ViT wrapped as ``encoder``, UTA
    decoders (LayerNorm eps 1e-5, l2 in the loss), ``clip_pos_embed`` /
    ``clip_img_pos_embed`` tables and the pooling norm ``pool_norm``."""

    def __init__(self, dim=32, depth=3, heads=2, frames=2, patches=4,
                 out_dim=24, return_layers=2, patch=16):
        super().__init__()
        n = frames * patches
        self.encoder = RefEncoder(dim, depth, heads, n, return_layers, patch)
        self.encoder.img_pos_embed = np_sinusoid_table(patches, dim)
        self.clip_decoder = nn.ModuleList(
            [RefStage2Decoder(dim, out_dim) for _ in range(return_layers)])
        self.clip_pos_embed = np_sinusoid_table(n, dim)
        self.clip_img_pos_embed = np_sinusoid_table(patches, dim)
        self.pool_norm = nn.LayerNorm(dim, eps=1e-6)
        for p in self.parameters():
            if p.dim() == 1:
                p.data.add_(torch.randn_like(p) * 0.1)

    def forward(self, x, mask=None, use_image=False, keep_temporal=False):
        T = x.shape[2]
        x_vis, x_clip_vis = self.encoder.forward_features(x, mask, use_image)
        x_clip = None
        if mask is not None:
            K, B, _, C = x_clip_vis.shape
            table = self.clip_img_pos_embed if use_image \
                else self.clip_pos_embed
            pos = table.repeat(B, 1, 1).type_as(x)[~mask].view(B, -1, C)
            full = x_clip_vis + pos.unsqueeze(0).repeat(K, 1, 1, 1)
            x_clip = torch.stack([dec(full[i]) for i, dec in
                                  enumerate(self.clip_decoder)])
        if keep_temporal:
            B, _, C = x_vis.shape
            pooled = self.pool_norm(x_vis.view(B, T, -1, C).mean(2))
        else:
            pooled = self.pool_norm(x_vis.mean(1, keepdim=True))
        return x_vis, pooled, x_clip


def ref_uta_loss(student, clip):
    """Official ``UTA_Loss`` (``l2`` norm and loss)."""
    student = student / student.norm(dim=-1, keepdim=True)
    clip = clip / clip.norm(dim=-1, keepdim=True)
    return (2 - 2 * (student * clip).sum(dim=-1)).mean()
