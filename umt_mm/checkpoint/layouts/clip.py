"""Layout ``clip``: CLIP visual weights in the layouts users have.

Supported sources (all mapped to OpenAI's ``visual`` parameter names):

* an OpenAI CLIP checkpoint: a state dict with ``visual.*`` keys, or the
  TorchScript archive OpenAI distributes;
* a Hugging Face ``CLIPVisionModelWithProjection`` / ``CLIPModel`` directory
  (or its state dict): ``vision_model.*`` and ``visual_projection.weight``;
* the official UMT "extracted visual encoder" (OpenAI names without prefix,
  possibly with a 3-D ``conv1.weight``).
"""
from typing import Dict, Mapping

import torch
import torch.nn.functional as F

from ..registry import register_layout

HF_PREFIXES = ('vision_model.', 'visual_projection.')


def hf_to_openai(state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Map Hugging Face CLIP vision keys to OpenAI ``visual`` names."""
    out = {}
    layer_map = {
        'layer_norm1': 'ln_1', 'layer_norm2': 'ln_2', 'mlp.fc1': 'mlp.c_fc',
        'mlp.fc2': 'mlp.c_proj', 'self_attn.out_proj': 'attn.out_proj'
    }
    top_map = {
        'embeddings.class_embedding': 'class_embedding',
        'embeddings.patch_embedding.weight': 'conv1.weight',
        'embeddings.position_embedding.weight': 'positional_embedding',
        'pre_layrnorm.weight': 'ln_pre.weight',
        'pre_layrnorm.bias': 'ln_pre.bias',
        'post_layernorm.weight': 'ln_post.weight',
        'post_layernorm.bias': 'ln_post.bias',
    }
    qkv: Dict[str, Dict[str, torch.Tensor]] = {}
    for key, value in state.items():
        if key == 'visual_projection.weight':
            out['proj'] = value.t()
            continue
        if not key.startswith('vision_model.'):
            continue
        key = key[len('vision_model.'):]
        if key in top_map:
            out[top_map[key]] = value
            continue
        if not key.startswith('encoder.layers.'):
            out[key] = value  # unknown: reported as unexpected later
            continue
        idx, rest = key[len('encoder.layers.'):].split('.', 1)
        prefix = f'transformer.resblocks.{idx}.'
        for proj in ('q_proj', 'k_proj', 'v_proj'):
            if rest.startswith(f'self_attn.{proj}.'):
                kind = rest.rsplit('.', 1)[1]
                qkv.setdefault(f'{prefix}{kind}', {})[proj] = value
                break
        else:
            for src, dst in layer_map.items():
                if rest.startswith(src + '.'):
                    rest = dst + rest[len(src):]
                    break
            out[prefix + rest] = value
    for key, parts in qkv.items():
        prefix, kind = key.rsplit('.', 1)
        name = 'in_proj_weight' if kind == 'weight' else 'in_proj_bias'
        out[f'{prefix}.attn.{name}'] = torch.cat(
            [parts['q_proj'], parts['k_proj'], parts['v_proj']])
    return out


def to_openai_visual(
        state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Detect the layout and return OpenAI ``visual`` keys without prefix."""
    keys = list(state)
    if any(k.startswith(HF_PREFIXES) for k in keys):
        return hf_to_openai(state)
    for prefix in ('module.', 'visual.'):
        if any(k.startswith(prefix) for k in keys):
            state = {k[len(prefix):]: v for k, v in state.items()
                     if k.startswith(prefix)}
    state = dict(state)
    conv = state.get('conv1.weight')
    if conv is not None and conv.dim() == 5 and conv.shape[2] == 1:
        state['conv1.weight'] = conv[:, :, 0]  # UMT's Conv3d, kernel T=1
    return state


def resize_clip_pos_embed(pos: torch.Tensor, grid: int) -> torch.Tensor:
    """Bicubically resize CLIP's ``(1 + g*g, C)`` embedding to ``grid``."""
    old = int(round((pos.shape[0] - 1)**0.5))
    if old == grid:
        return pos
    tokens = pos[1:].reshape(1, old, old, -1).permute(0, 3, 1, 2)
    tokens = F.interpolate(tokens.float(), size=(grid, grid), mode='bicubic',
                           align_corners=False)
    tokens = tokens.permute(0, 2, 3, 1).reshape(grid * grid, -1)
    return torch.cat([pos[:1], tokens.to(pos.dtype)])


def is_clip_visual(state: Mapping[str, torch.Tensor]) -> bool:
    """OpenAI (``visual.``/bare, ``module.``) or Hugging Face vision keys."""
    names = ('conv1.weight', 'visual.conv1.weight', 'module.conv1.weight',
             'module.visual.conv1.weight')
    return any(k in state for k in names) or any(
        k.startswith('vision_model.encoder.') for k in state)


register_layout('clip', is_clip_visual, to_openai_visual,
                doc='CLIP visual encoder (OpenAI, Hugging Face, UMT '
                'extracted) -> CLIPTeacher')
