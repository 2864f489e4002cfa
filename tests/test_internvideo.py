"""InternVideo model interaction: cross-model attention, fusion, freezing."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from relatives_runner import falls, train_demo

import umt_mm  # noqa: F401  (registers modules)
from umt_mm.models.heads.cross_model_head import CrossModelAttention
from umt_mm.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def tiny_recognizer(mm_dims=48):
    vit = dict(type='UMTViT', img_size=32, num_frames=4)
    return MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(
            type='DualVideoEncoder',
            masked=dict(vit, arch=dict(embed_dims=32, num_layers=2,
                                       num_heads=2), final_norm=False),
            multimodal=dict(vit, arch=dict(embed_dims=mm_dims, num_layers=1,
                                           num_heads=2))),
        cls_head=dict(type='CrossModelInteractionHead', num_classes=5,
                      in_channels=32, mm_channels=mm_dims, num_heads=2),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW')))


def test_cross_model_attention_by_hand():
    torch.manual_seed(0)
    cma = CrossModelAttention(8, 6, num_heads=2)
    with torch.no_grad():
        cma.attn_gate.fill_(0.7)
        cma.ffn_gate.fill_(-0.4)
        for p in cma.parameters():
            if p.dim() == 1 and p.numel() > 1:
                p.add_(torch.randn_like(p) * 0.1)
    q, kv = torch.randn(3, 1, 8), torch.randn(3, 5, 6)
    a = cma.attn
    qn = F.layer_norm(q, (8, ), cma.norm_q.weight, cma.norm_q.bias, 1e-6)
    kvn = F.layer_norm(kv, (6, ), cma.norm_kv.weight, cma.norm_kv.bias, 1e-6)
    bq, bk, bv = a.in_proj_bias.chunk(3)
    Q = (qn @ a.q_proj_weight.t() + bq).view(3, 1, 2, 4).transpose(1, 2)
    K = (kvn @ a.k_proj_weight.t() + bk).view(3, 5, 2, 4).transpose(1, 2)
    V = (kvn @ a.v_proj_weight.t() + bv).view(3, 5, 2, 4).transpose(1, 2)
    attn = ((Q @ K.transpose(-2, -1)) / 2.).softmax(-1) @ V  # sqrt(4) = 2
    attn = a.out_proj(attn.transpose(1, 2).reshape(3, 1, 8))
    x = q + torch.tanh(torch.tensor(0.7)) * attn
    xn = F.layer_norm(x, (8, ), cma.norm_ffn.weight, cma.norm_ffn.bias, 1e-6)
    ffn = cma.ffn.fc2(F.gelu(cma.ffn.fc1(xn)))
    expected = x + torch.tanh(torch.tensor(-0.4)) * ffn
    torch.testing.assert_close(cma(q, kv), expected, atol=1e-5, rtol=1e-5)


def test_untrained_interaction_is_the_average_of_both_classifiers():
    torch.manual_seed(0)
    model = tiny_recognizer()
    model.init_weights()
    head = model.cls_head
    a, m = torch.randn(2, 16, 32), torch.randn(2, 7, 48)
    expected = 0.5 * head.masked_head(a) + 0.5 * head.multimodal_head(m)
    torch.testing.assert_close(head((a, m)), expected)


def test_only_interaction_modules_and_classifiers_learn():
    torch.manual_seed(0)
    model = tiny_recognizer()
    model.init_weights()
    model.train()
    assert not model.backbone.masked.training
    assert not model.backbone.multimodal.training
    samples = [ActionDataSample().set_gt_label(i) for i in (1, 3)]
    video = torch.randint(0, 255, (2, 1, 3, 4, 32, 32)).float()
    data = model.data_preprocessor(dict(inputs=list(video),
                                        data_samples=samples), True)
    losses = model(**data, mode='loss')
    losses['loss_cls'].backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    trained = [n for n, p in model.cls_head.named_parameters()
               if p.grad is not None]
    # the gates start at 0, so everything behind them gets no gradient in
    # the first step but the gates themselves and the classifiers do
    for name in ('cma_masked.attn_gate', 'cma_multimodal.ffn_gate',
                 'masked_head.fc_cls.weight', 'multimodal_head.fc_norm.weight',
                 'fusion_weights'):
        assert name in trained, name
    with torch.no_grad():
        model.cls_head.cma_masked.attn_gate.fill_(0.5)
    model.cls_head.zero_grad()
    model(**data, mode='loss')['loss_cls'].backward()
    assert model.cls_head.cma_masked.attn.out_proj.weight.grad is not None


def test_test_time_views_are_averaged():
    model = tiny_recognizer().eval()
    samples = [ActionDataSample().set_gt_label(0)]
    video = torch.randint(0, 255, (1, 3, 3, 4, 32, 32)).float()
    data = model.data_preprocessor(dict(inputs=list(video),
                                        data_samples=samples), False)
    with torch.no_grad():
        out = model(**data, mode='predict')[0]
        views = model.cls_head(model.backbone(data['inputs'][0])).softmax(-1)
    torch.testing.assert_close(out.pred_score, views.mean(0))


def test_unset_encoder_checkpoint_names_the_key():
    cfg = Config.fromfile(osp.join(REPO, 'configs/internvideo/'
                                   'internvideo-interaction_demo.py'))
    cfg.model.backbone.multimodal.init_cfg.checkpoint = None
    cfg.model.backbone.masked.init_cfg = None
    model = MODELS.build(cfg.model)
    with pytest.raises(ValueError,
                       match='model.backbone.multimodal.init_cfg.checkpoint'):
        model.init_weights()


def test_kinetics_config_carries_the_paper_recipe():
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/internvideo/internvideo-interaction_'
        'umt-base-p16-res224_u8_k400-rgb.py'))
    assert cfg.model.backbone.type == 'DualVideoEncoder'
    assert cfg.model.cls_head.num_classes == 400
    assert cfg.optim_wrapper.optimizer.lr == 5e-5
    assert cfg.optim_wrapper.optimizer.weight_decay == 1e-3
    assert cfg.train_cfg.max_epochs == 5
    assert cfg.custom_hooks[0].type == 'EMAHook'
    assert abs(cfg.custom_hooks[0].momentum - 1e-4) < 1e-12


@pytest.mark.slow
def test_demo_config_trains_and_loss_falls(demo_data, run_tool, tmp_path):
    """tools/train.py on the synthetic videos (random frozen encoders, as
    no demo checkpoints exist in the test): the classification loss falls
    (measured 1.41 -> 1.05, means of the first / last 6 iterations).
    """
    records = train_demo(
        run_tool, osp.join(REPO, 'configs/internvideo/'
                           'internvideo-interaction_demo.py'), demo_data,
        str(tmp_path / 'internvideo'), epochs=20,
        options=('model.backbone.masked.init_cfg=None',
                 'model.backbone.multimodal.init_cfg=None'))
    losses = [r['loss_cls'] for r in records if 'loss_cls' in r]
    # 16 clips / batch 8 x 20 epochs; random encoders carry little of the
    # motion, so the heads memorise clips under augmentation: noisy, slow
    assert len(losses) == 40
    assert falls(losses, k=6, factor=0.85), losses
