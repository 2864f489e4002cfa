"""ONNX export: the exported recognizer and stage-2 video encoder run with
onnxruntime on CPU and equal PyTorch within 1e-4 (max absolute difference of
logits / embeddings, float32), for another batch size than the exported
one."""
import os.path as osp

import numpy as np
import pytest
import torch

pytest.importorskip('onnxruntime')
pytest.importorskip('onnx')

ATOL = 1e-4


def test_recognizer_onnx_equals_pytorch(repo_root, tmp_path):
    from umt_mm.apis import get_model
    from umt_mm.apis.onnx_export import export_module, export_onnx, run_onnx
    cfg = osp.join(repo_root, 'configs/umt/finetune_demo.py')
    ckpt = tmp_path / 'cls.pth'
    torch.manual_seed(0)
    model = get_model(cfg, pretrained=False, device='cpu')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    out = str(tmp_path / 'cls.onnx')
    res = export_onnx(cfg, str(ckpt), out, atol=ATOL)
    assert res['part'] == 'recognizer' and res['max_abs_diff'] <= ATOL
    # dynamic batch: 3 clips (exported with 1), against the recognizer's own
    # test-time path (data preprocessor + backbone + head)
    video = torch.rand(3, 3, 8, 64, 64) * 255
    got = run_onnx(out, video.numpy())
    with torch.no_grad():
        norm = model.data_preprocessor(
            dict(inputs=list(video[:, None]), data_samples=None),
            False)['inputs'].flatten(0, 1)
        expected = model.cls_head(model.backbone(norm)).numpy()
    assert got.shape == (3, 4)
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)
    with pytest.raises(FileExistsError, match='--overwrite'):
        export_onnx(cfg, str(ckpt), out)
    with pytest.raises(ValueError, match='no stage-2 video encoder'):
        export_module(model, 'video_encoder')


@pytest.mark.slow
def test_stage2_encoder_export_tool(run_tool, tmp_path):
    """tools/deployment/export_onnx.py on the stage-2 demo model."""
    out = tmp_path / 'enc.onnx'
    res = run_tool('tools/deployment/export_onnx.py',
                   'configs/umt/stage2_demo.py', 'none', '--out', out,
                   timeout=400).check()
    assert 'video_encoder ->' in res.stdout
    diff = float(res.stdout.rsplit('max |diff|', 1)[1].split()[0])
    assert diff <= ATOL
    import onnxruntime as ort
    session = ort.InferenceSession(str(out),
                                   providers=['CPUExecutionProvider'])
    emb = session.run(None, {'video': np.random.rand(
        2, 3, 4, 64, 64).astype(np.float32) * 255})[0]
    assert emb.shape[0] == 2
    np.testing.assert_allclose(np.linalg.norm(emb, axis=-1), 1, atol=1e-5)
