"""ONNX export of a UMT recognizer or of the stage-2 video encoder.

The exported graph takes raw RGB clips ``video`` of shape
``(batch, 3, T, H, W)`` with values in [0, 255] (normalisation by the
config's mean / std is part of the graph) and a dynamic batch axis:

* ``recognizer``: ``scores`` ``(batch, num_classes)``, the classifier's
  logits of each clip (average the views of a video yourself);
* ``video_encoder`` (stage 2): ``embedding`` ``(batch, T', D)``, the
  l2-normalised projected video embedding used for retrieval (``T'`` = 1
  unless the model keeps time).
"""
import os
import os.path as osp
from typing import Dict, Optional, Tuple

import numpy as np
import torch
from mmengine.logging import MMLogger
from torch import nn

PARTS = ('recognizer', 'video_encoder')


class _Normalize(nn.Module):

    def __init__(self, preprocessor: nn.Module) -> None:
        super().__init__()
        mean = torch.as_tensor(preprocessor.mean).flatten().float()
        std = torch.as_tensor(preprocessor.std).flatten().float()
        self.register_buffer('mean', mean.view(1, -1, 1, 1, 1))
        self.register_buffer('std', std.view(1, -1, 1, 1, 1))

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        return (video - self.mean) / self.std


class RecognizerExport(nn.Module):
    """Raw clips -> classifier logits of a ``Recognizer3D`` with a UMT
    backbone."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.normalize = _Normalize(model.data_preprocessor)
        self.backbone = model.backbone
        self.cls_head = model.cls_head

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        return self.cls_head(self.backbone(self.normalize(video)))


class VideoEncoderExport(nn.Module):
    """Raw clips -> the stage-2 retrieval embedding ``(B, T', D)``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.normalize = _Normalize(model.data_preprocessor)
        self.model = model

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        return self.model.vision_features(self.normalize(video))[1]


def export_module(model: nn.Module, part: str = 'auto'
                  ) -> Tuple[nn.Module, str, str]:
    """``(wrapper, part, output name)`` for a built UMT model."""
    if part == 'auto':
        part = 'video_encoder' if hasattr(model, 'vision_features') else \
            'recognizer'
    if part == 'recognizer':
        if not (hasattr(model, 'backbone') and hasattr(model, 'cls_head')):
            raise ValueError(f'{type(model).__name__} is not a recognizer '
                             '(backbone + cls_head)')
        return RecognizerExport(model).eval(), part, 'scores'
    if part == 'video_encoder':
        if not hasattr(model, 'vision_features'):
            raise ValueError(f'{type(model).__name__} has no stage-2 video '
                             'encoder (vision_features)')
        return VideoEncoderExport(model).eval(), part, 'embedding'
    raise ValueError(f'part must be auto or one of {PARTS}, got {part!r}')


def input_shape(cfg, batch: int = 1) -> Tuple[int, ...]:
    """``(batch, 3, T, H, W)`` of the config's backbone / vision encoder."""
    model = cfg.model
    enc = model.get('backbone') or model.get('vision_encoder') or {}
    size = enc.get('img_size', 224)
    return (batch, 3, enc.get('num_frames', 8), size, size)


def export_onnx(config,
                checkpoint: Optional[str],
                out_file: str,
                part: str = 'auto',
                opset: int = 17,
                overwrite: bool = False,
                verify: bool = True,
                atol: float = 1e-4,
                cfg_options: Optional[Dict] = None) -> Dict:
    """Export a UMT model to ONNX (dynamic batch) and check it.

    Args:
        config (str): Config file or zoo name.
        checkpoint (str, optional): Weights; None exports the weights the
            modules get when built (for testing the graph).
        out_file (str): The ``.onnx`` file.
        part (str): ``'recognizer'``, ``'video_encoder'`` or ``'auto'``
            (from the model). Defaults to 'auto'.
        opset (int): ONNX opset. Defaults to 17.
        overwrite (bool): Replace an existing file. Defaults to False.
        verify (bool): Run the file with onnxruntime on CPU on a batch of
            2 random clips and compare with PyTorch. Defaults to True.
        atol (float): Largest allowed absolute difference. Defaults to 1e-4.
        cfg_options (dict, optional): Config overrides. Defaults to None.

    Returns:
        dict: ``file``, ``part``, ``input_shape``, ``output`` and, when
        verified, ``max_abs_diff``.
    """
    from .model_zoo import get_model
    if osp.exists(out_file) and not overwrite:
        raise FileExistsError(f'{out_file} exists; pass --overwrite to '
                              'replace it')
    model = get_model(config, checkpoint, device='cpu',
                      pretrained=checkpoint is not None,
                      cfg_options=cfg_options)
    wrapper, part, output = export_module(model, part)
    shape = input_shape(model.cfg)
    dummy = torch.rand(shape) * 255
    folder = osp.dirname(osp.abspath(out_file))
    os.makedirs(folder, exist_ok=True)
    tmp = out_file + '.tmp'
    with torch.no_grad():
        torch.onnx.export(
            wrapper, (dummy, ), tmp, input_names=['video'],
            output_names=[output], opset_version=opset,
            dynamic_axes={'video': {0: 'batch'}, output: {0: 'batch'}},
            dynamo=False)
    os.replace(tmp, out_file)
    result = dict(file=out_file, part=part, input_shape=list(shape[1:]),
                  output=output)
    if verify:
        video = torch.rand((2, ) + shape[1:]) * 255
        result['max_abs_diff'] = compare_onnx(out_file, wrapper, video)
        if result['max_abs_diff'] > atol:
            raise ValueError(f'{out_file}: onnxruntime differs from PyTorch '
                             f'by {result["max_abs_diff"]:.2e} > {atol}')
    MMLogger.get_current_instance().info(
        f'exported {part} to {out_file} (input video (batch, '
        f'{", ".join(map(str, shape[1:]))}) in [0, 255], output {output})'
        + (f'; onnxruntime vs PyTorch max |diff| '
           f'{result["max_abs_diff"]:.2e}' if verify else ''))
    return result


def run_onnx(onnx_file: str, video: np.ndarray) -> np.ndarray:
    """Outputs of ``onnx_file`` for ``video`` with onnxruntime on CPU."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ImportError('checking an ONNX export needs onnxruntime '
                          '(pip install onnxruntime)') from None
    session = ort.InferenceSession(onnx_file,
                                   providers=['CPUExecutionProvider'])
    return session.run(None, {'video': video.astype(np.float32)})[0]


@torch.no_grad()
def compare_onnx(onnx_file: str, module: nn.Module,
                 video: torch.Tensor) -> float:
    """Max absolute difference of onnxruntime and PyTorch outputs."""
    expected = module(video).float().numpy()
    got = run_onnx(onnx_file, video.numpy())
    if got.shape != expected.shape:
        raise ValueError(f'{onnx_file}: output shape {got.shape}, PyTorch '
                         f'{expected.shape}')
    return float(np.abs(got - expected).max())
