"""Official UMT AVA detector checkpoint -> umt_mm FastRCNN, numerically."""
import os.path as osp
import sys

import pytest
import torch

import umt_mm  # noqa: F401
from umt_mm.checkpoint import convert_layout, detect_layout

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from official_ref_ava import RefUMTAVA  # noqa: E402
from test_ava import build_detector  # noqa: E402


def _official():
    torch.manual_seed(0)
    ref = RefUMTAVA(dim=32, depth=2, heads=2, frames=4, img=64).eval()
    with torch.no_grad():  # non-trivial norms and biases
        for name, p in ref.named_parameters():
            if 'norm' in name or name.endswith('bias'):
                p.add_(torch.randn_like(p) * 0.1)
    return ref


def test_detect_and_reject():
    state = {f'module.{k}': v for k, v in _official().state_dict().items()}
    assert detect_layout(state) == 'ava'
    # a classifier (fc_norm, no norm) is not the AVA layout
    cls = {k.replace('norm.', 'fc_norm.') if k.startswith('norm.') else k: v
           for k, v in _official().state_dict().items()}
    with pytest.raises(ValueError):
        convert_layout(cls, 'ava')


def test_round_trip_matches_official(tmp_path, capsys):
    """tools/convert/official_umt.py's main() in-process (the tool runs as
    a subprocess in test_recognition)."""
    from tools.convert import official_umt
    ref = _official()
    src = tmp_path / 'official_ava.pth'
    torch.save({'model': {f'module.{k}': v
                          for k, v in ref.state_dict().items()}}, src)
    dst = tmp_path / 'umt_ava.pth'
    official_umt.main([str(src), str(dst)])
    assert '(ava,' in capsys.readouterr().out
    det = build_detector().eval()
    state = torch.load(dst, map_location='cpu')['state_dict']
    det.load_state_dict(state, strict=True)  # every parameter is covered
    assert torch.equal(state['roi_head.bbox_head.fc_cls.weight'][0],
                       torch.zeros(32))

    torch.manual_seed(1)
    x = torch.randn(2, 3, 4, 64, 80)  # non-square: positional resize too
    boxes = [torch.tensor([[4., 4., 40., 60.], [30., 10., 78., 50.]]),
             torch.tensor([[0., 0., 80., 64.]])]
    from mmdet.structures.bbox import bbox2roi
    with torch.no_grad():
        expected = ref(x, boxes)
        feat = det.extract_feat(x)
        got = det.roi_head._bbox_forward(feat, bbox2roi(boxes),
                                         [{}, {}])['cls_score']
    assert expected.shape == (3, 80) and got.shape == (3, 81)
    torch.testing.assert_close(got[:, 1:], expected, atol=1e-4, rtol=1e-4)
