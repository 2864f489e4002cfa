"""MVD co-teaching: 3-D tables, teachers, decoders, layouts, loss, runner."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from official_ref_relatives import (RefMAETeacher, RefMVDStudent, RefVideoMAE,
                                    np_3d_table, official_mvd_loss)
from relatives_runner import falls, train_demo

import umt_mm  # noqa: F401  (registers modules)
from umt_mm.checkpoint import convert_layout, detect_layout, load_weights
from umt_mm.pos_embed import sincos_3d_table
from umt_mm.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY = dict(embed_dims=32, num_layers=2, num_heads=2)


def head_cfg(out, **kw):
    cfg = dict(type='MaskedTokenPredHead', in_channels=32, embed_dims=32,
               num_layers=1, num_heads=2, out_channels=out, proj_bias=True,
               pos_embed='sincos3d', loss=dict(type='mmdet.SmoothL1Loss'))
    cfg.update(kw)
    return cfg


def img_teacher_cfg(**kw):
    return dict(type='FeatureTeacher', frame_stride=2,
                encoder=dict(type='MAEViT', arch=dict(
                    embed_dim=24, depth=2, num_heads=2), img_size=32), **kw)


def vid_teacher_cfg(**kw):
    return dict(type='FeatureTeacher', encoder=dict(
        type='UMTViT', arch=TINY, img_size=32, num_frames=4, tubelet_size=2,
        final_norm=False), **kw)


def tiny_mvd(branches=('img', 'vid'), w_img=1., w_vid=1., **teachers):
    targets = dict(img=img_teacher_cfg(**teachers.get('img', {})),
                   vid=vid_teacher_cfg(**teachers.get('vid', {})))
    heads = dict(img=head_cfg(24, loss_weight=w_img),
                 vid=head_cfg(32, loss_weight=w_vid))
    return MODELS.build(dict(
        type='MaskedVideoPretrain',
        backbone=dict(type='UMTViT', arch=TINY, img_size=32, num_frames=4,
                      tubelet_size=2, pos_embed='sincos3d'),
        masker=dict(type='TubeMasker', mask_ratio=0.5),
        targets={b: targets[b] for b in branches},
        heads={b: heads[b] for b in branches}))


@pytest.mark.parametrize('grid,dim', [((2, 2, 2), 32), ((8, 14, 14), 768),
                                      ((3, 4, 4), 64)])
def test_sincos3d_table_matches_official(grid, dim):
    ours = sincos_3d_table(grid, dim)
    torch.testing.assert_close(ours, np_3d_table(dim, grid[1], grid[0]))


def test_mae_teacher_equals_official_front_slice(tmp_path):
    torch.manual_seed(0)
    ref = RefMAETeacher().eval()
    state = {**ref.state_dict(), 'decoder_embed.weight': torch.zeros(2, 2),
             'mask_token': torch.zeros(1, 1, 2)}  # a full MAE file
    assert detect_layout(state) == 'mae'
    path = str(tmp_path / 'mae.pth')
    torch.save({'model': state}, path)
    teacher = MODELS.build(img_teacher_cfg(pretrained=path, layout='mae'))
    teacher.init_weights()
    video = torch.randn(2, 3, 4, 32, 32)
    ours = teacher(video)
    frames = video[:, :, ::2].transpose(1, 2).flatten(0, 1)
    with torch.no_grad():
        official = ref(frames).reshape(2, -1, 24)  # (b t) l c -> b (t l) c
    assert ours.shape == (2, 8, 24)
    torch.testing.assert_close(ours, official, atol=1e-5, rtol=1e-5)
    assert not any(p.requires_grad for p in teacher.parameters())
    teacher.train()
    assert not teacher.training


def test_video_teacher_from_official_videomae_file(tmp_path):
    torch.manual_seed(0)
    ref = RefVideoMAE(dim=32).eval()
    path = str(tmp_path / 'videomae.pth')
    torch.save({'model': ref.state_dict()}, path)
    teacher = MODELS.build(vid_teacher_cfg(
        pretrained=path, layout='videomae', prefix='backbone.',
        allow_unexpected=('norm.*', )))
    teacher.init_weights()
    video = torch.randn(2, 3, 4, 32, 32)
    with torch.no_grad():
        official = ref.encoder(video, final_norm=False)
    torch.testing.assert_close(teacher(video), official, atol=1e-5,
                               rtol=1e-5)
    normed = MODELS.build(vid_teacher_cfg(norm_output=True))
    out = normed(video)
    torch.testing.assert_close(out.mean(-1), torch.zeros(2, 8), atol=1e-5,
                               rtol=0)


def test_mvd_student_and_loss_equal_official(tmp_path):
    torch.manual_seed(0)
    ref = RefMVDStudent(vid_dim=32).eval()
    ref_img, ref_vid = RefMAETeacher().eval(), RefVideoMAE(dim=32).eval()
    student_state = ref.state_dict()
    assert detect_layout(student_state) == 'mvd'
    model = tiny_mvd(w_img=0.7, w_vid=1.3)
    model.eval()
    report = load_weights(model, student_state)
    assert report.layout == 'mvd'
    assert all(k.startswith('targets.') for k in report.missing)
    load_weights(model.targets.img.encoder, ref_img.state_dict(),
                 layout='mae')
    load_weights(model.targets.vid.encoder, ref_vid.state_dict(),
                 layout='videomae', prefix='backbone.',
                 allow_unexpected=('norm.*', ))
    video = torch.randn(2, 3, 4, 32, 32)
    mask = model.make_mask(video)
    x = model.backbone(video, mask)
    with torch.no_grad():
        out_img, out_vid = ref(video, mask)
        torch.testing.assert_close(
            model.heads.img(x, mask, model.backbone.grid), out_img,
            atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(
            model.heads.vid(x, mask, model.backbone.grid), out_vid,
            atol=1e-5, rtol=1e-5)
        torch.manual_seed(5)
        losses = model.loss(video)
        torch.manual_seed(5)
        mask = model.make_mask(video)
        l_img, l_vid = official_mvd_loss(
            ref, ref_img, lambda v, final_norm: ref_vid.encoder(
                v, final_norm=final_norm), video, mask, w_img=0.7, w_vid=1.3)
    torch.testing.assert_close(losses['loss_img'], l_img)
    torch.testing.assert_close(losses['loss_vid'], l_vid)


def test_smooth_l1_by_hand():
    head = MODELS.build(head_cfg(2))
    pred, target = torch.tensor([[0.2, 3.0]]), torch.tensor([[0.0, 0.5]])
    # 0.5 * 0.2^2 and 2.5 - 0.5, mean over the two elements
    expected = (0.5 * 0.04 + 2.0) / 2
    assert abs(float(head.loss_module(pred, target)) - expected) < 1e-6
    assert abs(float(F.smooth_l1_loss(pred, target)) - expected) < 1e-6


def test_single_teacher_variant_and_frozen_teachers():
    model = tiny_mvd(branches=('vid', ))
    model.init_weights()
    model.train()
    losses = model.loss(torch.randn(2, 3, 4, 32, 32))
    assert set(losses) == {'loss_vid'}
    losses['loss_vid'].backward()
    assert model.backbone.patch_embed.proj.weight.grad is not None
    assert all(p.grad is None for p in model.targets.parameters())
    assert not model.targets.vid.training
    with pytest.raises(ValueError, match='same non-empty keys'):
        MODELS.build(dict(
            type='MaskedVideoPretrain',
            backbone=dict(type='UMTViT', arch=TINY, img_size=32,
                          num_frames=4, tubelet_size=2),
            masker=dict(type='TubeMasker', mask_ratio=0.5),
            targets=dict(img=img_teacher_cfg()), heads=dict(vid=head_cfg(2))))


def test_mvd_layout_errors():
    state = RefMVDStudent().state_dict()
    with pytest.raises(ValueError, match='class token'):
        convert_layout({**state, 'cls_token': torch.zeros(1, 1, 32)}, 'mvd')
    with pytest.raises(ValueError, match='mvd layout'):
        convert_layout({**state, 'extra.weight': torch.zeros(1)}, 'mvd')


def test_configs_match_official_scripts():
    cfg = Config.fromfile(osp.join(REPO, 'configs/mvd/mvd_vitb_k400_pt.py'))
    m = cfg.model
    assert m.backbone.pos_embed == 'sincos3d'
    assert m.masker.mask_ratio == 0.9 and m.targets.img.frame_stride == 2
    for b in ('img', 'vid'):
        h = m.heads[b]
        assert (h.num_layers, h.embed_dims, h.num_heads) == (2, 768, 12)
        assert h.loss.type == 'mmdet.SmoothL1Loss' and h.loss_weight == 1.
    large = Config.fromfile(osp.join(REPO,
                                     'configs/mvd/mvd_vitl_k400_pt.py'))
    h = large.model.heads.vid
    assert (h.num_layers, h.embed_dims, h.num_heads,
            h.out_channels) == (4, 512, 8, 1024)
    one = Config.fromfile(osp.join(
        REPO, 'configs/mvd/mvd_vitb_k400_pt_video-teacher.py'))
    assert set(one.model.heads) == set(one.model.targets) == {'vid'}


@pytest.mark.slow
def test_demo_config_trains_and_losses_fall(demo_data, run_tool, tmp_path):
    """tools/train.py on the synthetic videos: both distillation losses
    fall."""
    records = train_demo(run_tool, osp.join(REPO, 'configs/mvd/mvd_demo.py'),
                         demo_data, str(tmp_path / 'mvd'))
    records = [r for r in records if 'loss_img' in r]
    assert len(records) == 10  # 16 clips / batch 8 x 5 epochs
    for key in ('loss_img', 'loss_vid'):
        losses = [r[key] for r in records]
        assert falls(losses), (key, losses)


def test_student_feeds_a_recognizer_through_umt_scheme(tmp_path):
    """A MaskedVideoPretrain checkpoint (with its teachers) gives its
    student, and only it, to a recognizer backbone via ``umt://``."""
    model = tiny_mvd()
    model.init_weights()
    path = str(tmp_path / 'mvd.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    backbone = MODELS.build(dict(
        type='UMTViT', arch=TINY, img_size=32, num_frames=4, tubelet_size=2,
        pos_embed='sincos3d', final_norm=False,
        init_cfg=dict(type='Pretrained', checkpoint='umt://' + path)))
    backbone.init_weights()
    for k, v in backbone.state_dict().items():
        torch.testing.assert_close(v, model.backbone.state_dict()[k])
    video = torch.randn(1, 3, 4, 32, 32)
    model.backbone.final_norm = False
    with torch.no_grad():
        torch.testing.assert_close(backbone(video),
                                   model.backbone.forward_features(
                                       video).tokens)
