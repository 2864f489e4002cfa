"""UMT stage-1 modules: shapes, presets, fidelity to the official release."""
import copy

import pytest
import torch
from mmengine.registry import init_default_scope
from official_ref import (RefCLIPVisual, RefPretrainModel, np_sinusoid_table,
                          ref_attention_mask, ref_l2_loss)

import umt_mm  # noqa: F401  (registers modules)
from umt_mm.checkpoint.layouts.stage1 import convert_official_stage1
from umt_mm.models import UMTPretrain, UMTViT
from umt_mm.models.layers import resize_pos_embed, sincos_table
from umt_mm.registry import MODELS

init_default_scope('mmaction')

TINY = dict(embed_dims=32, num_layers=3, num_heads=2)


def tiny_vit(**kwargs):
    cfg = dict(arch=TINY, img_size=32, num_frames=2)
    cfg.update(kwargs)
    return UMTViT(**cfg)


def tiny_algorithm(masker='AttentionMasker', ratio=0.5, **head_kwargs):
    return UMTPretrain(
        backbone=dict(type='UMTViT', arch=TINY, img_size=32, num_frames=2,
                      return_layers=2),
        teacher=dict(type='CLIPTeacher',
                     arch=dict(patch_size=16, width=32, layers=3, heads=2,
                               output_dim=24),
                     input_resolution=32, return_layers=2),
        masker=dict(type=masker, mask_ratio=ratio),
        head=dict(type='UMTDistillHead', in_channels=32, out_channels=24,
                  num_layers=2, **head_kwargs))


def test_sincos_table_matches_official_numpy():
    for n, d in [(1568, 768), (7, 10)]:
        assert torch.allclose(sincos_table(n, d), np_sinusoid_table(n, d),
                              atol=1e-6)


@pytest.mark.parametrize('arch,width,depth,params', [('b', 768, 12, 85.8e6),
                                                     ('l', 1024, 24, 303.1e6)])
def test_presets(arch, width, depth, params):
    with torch.device('meta'):
        model = UMTViT(arch=arch)
    assert model.embed_dims == width and len(model.blocks) == depth
    n = sum(p.numel() for p in model.parameters())
    assert abs(n - params) / params < 0.01
    attn = model.blocks[0].attn
    assert attn.qkv.bias is None and attn.q_bias.shape == (width, )
    assert model.norm.eps == 1e-6 and model.blocks[0].norm1.eps == 1e-6
    assert model.patch_embed.proj.kernel_size == (1, 16, 16)
    assert 'pos_embed' not in model.state_dict()  # fixed sin-cos buffer


def test_forward_shapes_and_masking():
    model = tiny_vit().eval()
    x = torch.randn(2, 3, 2, 32, 32)
    assert model(x).shape == (2, 8, 32)
    mask = torch.zeros(2, 8, dtype=torch.bool)
    mask[:, ::2] = True
    out = model(x, mask)
    assert out.shape == (2, 4, 32)
    # dropped tokens never influence the kept ones: compare against the
    # same network run on the kept tokens only
    tokens, _ = model.tokens(x)
    kept = tokens[~mask].view(2, 4, 32)
    ref, _ = model.run_blocks(kept)
    assert torch.allclose(out, model.norm(ref), atol=1e-6)
    fm = tiny_vit(out_type='featmap').eval()(x)
    assert fm.shape == (2, 32, 2, 2, 2)
    layers = tiny_vit(return_layers=2).eval()(x, mask)
    assert layers.shape == (2, 2, 4, 32)
    with pytest.raises(ValueError, match='token grid'):
        model(torch.randn(1, 3, 4, 32, 32))


def test_checkpointing_and_drop_path_options():
    model = tiny_vit(with_cp=True, drop_path_rate=0.2).train()
    x = torch.randn(1, 3, 2, 32, 32)
    model(x).sum().backward()
    assert model.patch_embed.proj.weight.grad is not None
    assert model.blocks[-1].drop_path.drop_prob == pytest.approx(0.2)


def test_learnable_pos_embed_resized_on_load():
    src = tiny_vit(pos_embed='learnable')
    assert 'pos_embed' in src.state_dict()
    for frames, size, grid in [(4, 32, (4, 2, 2)), (2, 48, (2, 3, 3))]:
        dst = tiny_vit(pos_embed='learnable', num_frames=frames,
                       img_size=size)
        dst.load_state_dict(src.state_dict())
        expect = resize_pos_embed(src.pos_embed.data, (2, 2, 2), grid)
        assert torch.allclose(dst.pos_embed, expect)
        assert not torch.allclose(dst.pos_embed[:, :8], src.pos_embed)


def ref_official_finetune_table(n_position, d_hid, cur_frame, T=8, P=14):
    """Official fine-tuning table for another frame count / size."""
    table = np_sinusoid_table(T * P * P, d_hid)
    new_p = int((n_position // cur_frame)**0.5)
    if new_p != P:
        t = table.reshape(-1, T, P, P, d_hid).reshape(-1, P, P, d_hid)
        t = torch.nn.functional.interpolate(
            t.permute(0, 3, 1, 2), size=(new_p, new_p), mode='bicubic',
            align_corners=False)
        table = t.permute(0, 2, 3, 1).reshape(-1, T, new_p, new_p,
                                              d_hid).flatten(1, 3)
    if cur_frame != T:
        t = table.reshape(-1, T, new_p, new_p, d_hid)
        t = t.permute(0, 2, 3, 4, 1).reshape(-1, d_hid, T)
        t = torch.nn.functional.interpolate(t, size=cur_frame, mode='linear')
        table = t.reshape(1, new_p, new_p, d_hid,
                          cur_frame).permute(0, 4, 1, 2, 3).flatten(1, 3)
    return table


@pytest.mark.parametrize('frames,size', [(16, 224), (8, 384), (16, 384)])
def test_pretrain_grid_matches_official_finetune_table(frames, size):
    model = UMTViT(arch=dict(embed_dims=16, num_layers=1, num_heads=2),
                   num_frames=frames, img_size=size, pos_embed='learnable',
                   pretrain_grid=(8, 14, 14))
    n = frames * (size // 16)**2
    expect = ref_official_finetune_table(n, 16, frames)
    assert torch.allclose(model.pos_embed.data, expect, atol=1e-5)


def test_student_and_head_match_official_after_conversion():
    torch.manual_seed(0)
    ref = RefPretrainModel().eval()
    ours = tiny_algorithm().eval()
    converted = convert_official_stage1(ref.state_dict())
    missing, unexpected = ours.load_state_dict(converted, strict=False)
    assert not unexpected
    assert all(k.startswith('teacher.') for k in missing)
    x = torch.randn(2, 3, 2, 32, 32)
    mask = torch.zeros(2, 8, dtype=torch.bool)
    mask[0, [0, 3, 5, 6]] = True
    mask[1, [1, 2, 4, 7]] = True
    expect = ref(x, mask)
    got = ours.head(ours.backbone(x, mask), mask)
    assert torch.allclose(got, expect, atol=1e-5)


def test_teacher_matches_official_and_cls_attention():
    torch.manual_seed(0)
    ref = RefCLIPVisual().eval()
    ours = MODELS.build(dict(
        type='CLIPTeacher', arch=dict(patch_size=16, width=32, layers=3,
                                      heads=2, output_dim=24),
        input_resolution=32, return_layers=2))
    state = {k: v for k, v in ref.state_dict().items()}
    state['conv1.weight'] = state['conv1.weight'][:, :, 0]
    ours.load_state_dict(state)
    x = torch.randn(2, 3, 2, 32, 32)
    with torch.no_grad():
        t_ref, a_ref = ref(x)
    t_ours, a_ours = ours(x)
    assert t_ours.shape == (2, 2, 8, 24) and a_ours.shape == (4, 4)
    assert torch.allclose(t_ours, t_ref, atol=1e-5)
    assert torch.allclose(a_ours, a_ref, atol=1e-6)
    assert not any(p.requires_grad for p in ours.parameters())
    ours.train()
    assert not ours.training


def test_attention_masker_equals_official_sampling():
    attn = torch.rand(6, 16).softmax(-1)
    masker = MODELS.build(dict(type='AttentionMasker', mask_ratio=0.8))
    torch.manual_seed(3)
    ours = masker(2, 3, 16, attention=attn)
    torch.manual_seed(3)
    ref = ref_attention_mask(attn, 2, 0.8)
    assert torch.equal(ours, ref)


@pytest.mark.parametrize('kind', ['AttentionMasker', 'TubeMasker',
                                  'RandomMasker'])
def test_masker_invariants(kind):
    masker = MODELS.build(dict(type=kind, mask_ratio=0.8))
    attn = torch.rand(4 * 8, 196).softmax(-1)
    torch.manual_seed(0)
    mask = masker(4, 8, 196, attention=attn)
    assert mask.shape == (4, 8 * 196) and mask.dtype == torch.bool
    kept = (~mask).sum(1)
    if kind == 'RandomMasker':
        assert torch.all(kept == 8 * 196 - int(8 * 196 * 0.8))
    else:
        per_frame = (~mask).view(4, 8, 196).sum(-1)
        assert torch.all(per_frame == 196 - int(196 * 0.8))  # 40 of 196
    torch.manual_seed(0)
    assert torch.equal(mask, masker(4, 8, 196, attention=attn))
    if kind == 'TubeMasker':
        frames = mask.view(4, 8, 196)
        assert torch.equal(frames, frames[:, :1].expand_as(frames))


def test_attention_masker_follows_attention():
    masker = MODELS.build(dict(type='AttentionMasker', mask_ratio=0.75))
    attn = torch.full((1, 16), 0.01)
    attn[0, :4] = 1.0  # four salient tokens
    torch.manual_seed(0)
    hits = torch.zeros(16)
    for _ in range(200):
        hits += (~masker(1, 1, 16, attention=attn)[0]).float()
    assert hits[:4].min() > 150 and hits[4:].max() < 60
    with pytest.raises(ValueError, match='attention'):
        masker(1, 1, 16)
    with pytest.raises(ValueError, match='mask_ratio'):
        MODELS.build(dict(type='TubeMasker', mask_ratio=1.0))


def test_loss_formulas_by_hand():
    head_l2 = tiny_algorithm().head
    pred = torch.tensor([[1., 0.], [0., 1.]])
    target = torch.tensor([[1., 0.], [1., 0.]])
    # 2 - 2cos: rows give 0 and 2 -> mean 1
    assert head_l2.loss_module(pred, target).item() == pytest.approx(1.0)
    assert ref_l2_loss(pred, target).item() == pytest.approx(1.0)
    mse = MODELS.build(dict(type='mmdet.MSELoss'))
    # squared errors 0,0,1,1 -> mean 0.5
    assert mse(pred, target).item() == pytest.approx(0.5)
    sl1 = MODELS.build(dict(type='mmdet.SmoothL1Loss', beta=1.0))
    # |d| = 1 is not < beta: 1 - 0.5 * beta = 0.5 on two of four -> 0.25
    assert sl1(pred, target).item() == pytest.approx(0.25)


def test_head_loss_weight_and_layer_average():
    torch.manual_seed(0)
    algo = tiny_algorithm()
    head = algo.head
    x = torch.randn(2, 2, 4, 32)
    mask = torch.zeros(2, 8, dtype=torch.bool)
    mask[:, 4:] = True
    target = torch.nn.functional.normalize(torch.randn(2, 2, 4, 24), dim=-1)
    pred = head(x, mask)
    expect = torch.stack([ref_l2_loss(pred[i], target[i]) for i in range(2)])
    assert head.loss(x, target, mask)['loss_align'].item() == pytest.approx(
        expect.mean().item(), rel=1e-5)
    head.loss_weight = 0.5
    assert head.loss(x, target, mask)['loss_align'].item() == pytest.approx(
        0.5 * expect.mean().item(), rel=1e-5)


def test_algorithm_loss_backward_keeps_teacher_frozen():
    torch.manual_seed(0)
    algo = tiny_algorithm(ratio=0.5)
    algo.init_weights()
    algo.train()
    assert not algo.teacher.training
    data = dict(inputs=[torch.randint(0, 255, (1, 3, 2, 32, 32),
                                      dtype=torch.uint8) for _ in range(2)],
                data_samples=None)
    data = algo.data_preprocessor(data, training=True)
    losses = algo(**data, mode='loss')
    losses['loss_align'].backward()
    assert 0 < losses['loss_align'].item() < 4
    assert algo.backbone.blocks[0].attn.qkv.weight.grad is not None
    assert all(p.grad is None for p in algo.teacher.parameters())
    assert algo(data['inputs'], mode='tensor').shape == (2, 2, 8, 32)


def test_teacher_input_is_resized_bicubic():
    algo = tiny_algorithm()
    algo.teacher = MODELS.build(dict(
        type='CLIPTeacher', arch=dict(patch_size=8, width=32, layers=3,
                                      heads=2, output_dim=24),
        input_resolution=16, return_layers=2))
    video = torch.randn(1, 3, 2, 32, 32)
    targets, attn = algo.teacher_targets(video)
    assert targets.shape == (2, 1, 8, 24) and attn.shape == (2, 4)
    resized = torch.nn.functional.interpolate(
        video.reshape(1, 6, 32, 32), size=(16, 16), mode='bicubic',
        align_corners=False).view(1, 3, 2, 16, 16)
    assert torch.allclose(targets, algo.teacher(resized)[0])


def test_converted_checkpoint_rejects_unknown_keys():
    state = copy.deepcopy(RefPretrainModel().state_dict())
    state['decoder.weight'] = torch.zeros(1)
    with pytest.raises(ValueError, match='decoder.weight'):
        convert_official_stage1(state)
