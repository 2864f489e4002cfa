"""CLIP teacher loading from every supported layout, and clear rejections."""
import pytest
import torch
from official_ref import RefCLIPVisual
from torch import nn

import umt_mm  # noqa: F401
from umt_mm.models import CLIPTeacher

ARCH = dict(patch_size=16, width=32, layers=3, heads=2, output_dim=24)


def teacher(resolution=32):
    return CLIPTeacher(arch=ARCH, input_resolution=resolution, return_layers=2)


@pytest.fixture(scope='module')
def ref():
    torch.manual_seed(0)
    return RefCLIPVisual().eval()


@pytest.fixture(scope='module')
def video():
    torch.manual_seed(1)
    return torch.randn(1, 3, 2, 32, 32)


def check_same(t, ref, video):
    with torch.no_grad():
        expect, attn = ref(video)
    got, got_attn = t(video)
    assert torch.allclose(got, expect, atol=1e-5)
    assert torch.allclose(got_attn, attn, atol=1e-6)


def test_official_umt_extracted_visual_encoder(tmp_path, ref, video):
    path = tmp_path / 'vit_tiny.pth'
    torch.save(ref.state_dict(), path)  # conv1 stored as 3-D kernel
    t = teacher()
    t.load_pretrained(str(path))
    check_same(t, ref, video)


class OpenAIStyle(nn.Module):
    """A CLIP model with a text tower and a ``visual`` tower."""

    def __init__(self, visual):
        super().__init__()
        self.visual = visual
        self.token_embedding = nn.Embedding(10, 8)
        self.logit_scale = nn.Parameter(torch.ones([]))

    def forward(self, text):
        return self.token_embedding(text)


def openai_visual(ref):
    t = teacher()
    state = ref.state_dict()
    state['conv1.weight'] = state['conv1.weight'][:, :, 0]
    t.load_state_dict(state)
    return t


def test_openai_state_dict_and_torchscript(tmp_path, ref, video):
    model = OpenAIStyle(openai_visual(ref))
    path = tmp_path / 'openai.pt'
    torch.save(model.state_dict(), path)
    t = teacher()
    t.load_pretrained(str(path))
    check_same(t, ref, video)

    jit_path = tmp_path / 'openai_jit.pt'
    torch.jit.trace(model, torch.zeros(1, 3, dtype=torch.long)).save(
        str(jit_path))
    t = teacher()
    t.load_pretrained(str(jit_path))
    check_same(t, ref, video)


def test_huggingface_directory(tmp_path, video):
    from transformers import (CLIPConfig, CLIPModel, CLIPVisionConfig,
                              CLIPVisionModelWithProjection)
    cfg = CLIPVisionConfig(hidden_size=32, intermediate_size=128,
                           num_hidden_layers=3, num_attention_heads=2,
                           image_size=32, patch_size=16, projection_dim=24,
                           hidden_act='quick_gelu', layer_norm_eps=1e-5)
    torch.manual_seed(0)
    hf = CLIPVisionModelWithProjection(cfg).eval()
    hf.save_pretrained(tmp_path / 'hf_vision')
    t = teacher()
    t.load_pretrained(str(tmp_path / 'hf_vision'))
    frames = video.transpose(1, 2).flatten(0, 1)
    with torch.no_grad():
        out = hf.vision_model(pixel_values=frames, output_hidden_states=True,
                              output_attentions=True)
        # hidden_states[i + 1] is the output of block i
        hidden = out.hidden_states[-2:]
        expect = torch.stack([
            nn.functional.normalize(
                hf.visual_projection(hf.vision_model.post_layernorm(h[:, 1:])),
                dim=-1) for h in hidden])
        attn = out.attentions[-1].mean(1)[:, 0, 1:]
    got, got_attn = t(video)
    assert torch.allclose(got, expect.reshape(2, 1, 8, 24), atol=1e-5)
    assert torch.allclose(got_attn, attn, atol=1e-6)

    full = CLIPModel(CLIPConfig(vision_config=cfg.to_dict(),
                                text_config=dict(hidden_size=16,
                                                 intermediate_size=32,
                                                 num_hidden_layers=1,
                                                 num_attention_heads=2),
                                projection_dim=24))
    full.save_pretrained(tmp_path / 'hf_full')
    t2 = teacher()
    t2.load_pretrained(str(tmp_path / 'hf_full'))
    assert torch.equal(t2.proj, full.visual_projection.weight.t())


def test_positional_embedding_interpolated(tmp_path, ref):
    path = tmp_path / 'vit.pth'
    torch.save(ref.state_dict(), path)
    t = CLIPTeacher(arch=ARCH, input_resolution=48, return_layers=2)
    t.load_pretrained(str(path))  # 2x2 grid -> 3x3
    assert t.positional_embedding.shape == (10, 32)
    assert torch.equal(t.positional_embedding[0],
                       ref.positional_embedding.data[0])
    assert t(torch.randn(1, 3, 1, 48, 48))[0].shape == (2, 1, 9, 24)


def test_wrong_layout_lists_keys(tmp_path):
    path = tmp_path / 'resnet.pth'
    torch.save({'layer1.0.conv1.weight': torch.zeros(1),
                'fc.weight': torch.zeros(1)}, path)
    with pytest.raises(ValueError) as err:
        teacher().load_pretrained(str(path))
    msg = str(err.value)
    assert str(path) in msg and 'missing keys' in msg
    assert 'fc.weight' in msg and 'class_embedding' in msg
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        teacher().load_pretrained(str(tmp_path / 'nope.pth'))
    bigger = CLIPTeacher(arch=dict(ARCH, width=64), input_resolution=32,
                         return_layers=2)
    torch.save(teacher().state_dict(), tmp_path / 'small.pth')
    with pytest.raises(ValueError, match='shape mismatches: .*conv1.weight'):
        bigger.load_pretrained(str(tmp_path / 'small.pth'))
