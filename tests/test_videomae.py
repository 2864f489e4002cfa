"""VideoMAE pixel pre-training: target, masking, decoder, layout, runner."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from official_ref_relatives import RefVideoMAE, official_pixel_labels
from relatives_runner import falls, train_demo

import umt_mm  # noqa: F401  (registers modules)
from umt_mm.checkpoint import convert_layout, detect_layout, load_weights
from umt_mm.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MEAN = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1, 1)


def tiny_videomae(ratio=0.5, **head):
    head_cfg = dict(type='MaskedTokenPredHead', in_channels=32, embed_dims=16,
                    num_layers=2, num_heads=2, out_channels=1536)
    head_cfg.update(head)
    return MODELS.build(dict(
        type='MaskedVideoPretrain',
        backbone=dict(type='UMTViT', arch=dict(embed_dims=32, num_layers=2,
                                               num_heads=2),
                      img_size=32, num_frames=4, tubelet_size=2),
        masker=dict(type='TubeMasker', mask_ratio=ratio),
        targets=dict(pix=dict(type='VideoPixelTarget')),
        heads=dict(pix=head_cfg)))


def normalised_video(B=2, T=4, size=32):
    raw = torch.randint(0, 256, (B, 3, T, size, size)).float()
    return (raw - MEAN) / STD, raw


@pytest.mark.parametrize('norm_pix', [True, False])
def test_pixel_target_matches_official_labels(norm_pix):
    torch.manual_seed(0)
    video, _ = normalised_video()
    mask = torch.rand(2, 8).argsort(1) < 4
    # the official loop sees [0, 1]-scale statistics; the same clip
    official = official_pixel_labels(video, mask, normalize=norm_pix)
    target = MODELS.build(dict(type='VideoPixelTarget', norm_pix=norm_pix))
    ours = target(video)[mask].view(2, -1, 1536)
    torch.testing.assert_close(ours, official, atol=2e-4, rtol=1e-4)


def test_pixel_target_by_hand():
    """One 2x16x16 cube: row = pixels (t, y, x) then RGB, per-channel z."""
    video, raw = normalised_video(B=1, T=2, size=16)
    out = MODELS.build(dict(type='VideoPixelTarget', norm_pix=False))(video)
    assert out.shape == (1, 1, 1536)
    # pixel (t=1, y=3, x=5) is row entry ((1 * 16 + 3) * 16 + 5) * 3 + c
    i = ((1 * 16 + 3) * 16 + 5) * 3
    torch.testing.assert_close(out[0, 0, i:i + 3], raw[0, :, 1, 3, 5] / 255.)
    normed = MODELS.build(dict(type='VideoPixelTarget'))(video)[0, 0]
    per_channel = normed.view(512, 3)
    x = raw[0].reshape(3, -1).t() / 255.
    hand = (x - x.mean(0)) / (x.std(0) + 1e-6)  # torch.std is unbiased
    torch.testing.assert_close(per_channel, hand, atol=1e-4, rtol=1e-4)


def test_tube_mask_at_the_official_ratio():
    """0.9 of 14x14: int(196 * 0.9) = 176 masked, the same in every frame."""
    masker = MODELS.build(dict(type='TubeMasker', mask_ratio=0.9))
    mask = masker(3, 8, 196).view(3, 8, 196)
    assert (mask.sum(-1) == 176).all()
    assert (mask == mask[:, :1]).all()


def test_decoder_predicts_only_masked_tokens_in_mask_order():
    torch.manual_seed(0)
    model = tiny_videomae()
    model.init_weights()
    video, _ = normalised_video()
    mask = model.make_mask(video)
    x = model.backbone(video, mask)
    head = model.heads.pix
    pred = head(x, mask, model.backbone.grid)
    assert pred.shape == (2, 4, 1536)
    with pytest.raises(ValueError, match='out_channels'):
        head.loss(x, mask, model.backbone.grid, torch.zeros(2, 4, 7))


def test_videomae_equals_official_after_conversion(tmp_path):
    torch.manual_seed(0)
    ref = RefVideoMAE().eval()
    state = ref.state_dict()
    assert detect_layout(state) == 'videomae'
    model = tiny_videomae()
    model.eval()
    path = str(tmp_path / 'videomae.pth')
    torch.save({'model': state}, path)
    report = load_weights(model, path, layout='auto')
    assert report.layout == 'videomae' and not report.missing
    video, _ = normalised_video()
    mask = model.make_mask(video)
    with torch.no_grad():
        ours = model.heads.pix(model.backbone(video, mask), mask,
                               model.backbone.grid)
        official = ref(video, mask)
    torch.testing.assert_close(ours, official, atol=1e-5, rtol=1e-5)
    # the loss is the official MSE against the official labels
    torch.manual_seed(3)
    with torch.no_grad():
        loss = model.loss(video)['loss_pix']
    torch.manual_seed(3)
    mask = model.make_mask(video)
    labels = official_pixel_labels(video, mask)
    with torch.no_grad():
        expected = torch.nn.functional.mse_loss(ref(video, mask), labels)
    torch.testing.assert_close(loss, expected, atol=1e-4, rtol=1e-4)


def test_videomae_layout_rejects_unknown_keys():
    state = RefVideoMAE().state_dict()
    state['decoder_extra.weight'] = torch.zeros(1)
    with pytest.raises(ValueError, match='videomae layout'):
        convert_layout(state, 'videomae')


def test_configs_build_at_official_settings():
    cases = (('b', 768, (384, 6, 4)), ('l', 1024, (512, 8, 12)))
    for name, width, dec in cases:
        cfg = Config.fromfile(osp.join(
            REPO, f'configs/videomae/videomae_vit{name}_k400_pt.py'))
        m = cfg.model
        assert m.backbone.tubelet_size == 2 and m.backbone.num_frames == 16
        assert m.masker == dict(type='TubeMasker', mask_ratio=0.9)
        head = m.heads.pix
        assert (head.embed_dims, head.num_heads, head.num_layers) == dec
        assert head.in_channels == width and head.out_channels == 1536
        assert not head.proj_bias


@pytest.mark.slow
def test_demo_config_trains_and_loss_falls(demo_data, run_tool, tmp_path):
    """tools/train.py on the synthetic videos: the pixel loss falls."""
    records = train_demo(run_tool, osp.join(
        REPO, 'configs/videomae/videomae_demo.py'), demo_data,
        str(tmp_path / 'videomae'))
    losses = [r['loss_pix'] for r in records if 'loss_pix' in r]
    assert len(losses) == 10  # 16 clips / batch 8 x 5 epochs
    assert falls(losses), losses
