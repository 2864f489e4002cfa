"""What the teacher sees: class-token attention and the maskers' choices.

:func:`mask_panels` computes, for one clip and a stage-1 model, the teacher's
class-token attention and the masks of the semantic (``AttentionMasker``),
tube and random maskers; :func:`render_grid` draws them frame by frame
(rows: video, attention, one row per masker; columns: frames; masked tokens
darkened). :func:`visualize_masks` writes the grid as PNG and the frames as
GIF or MP4. The hook :class:`umt_mm.engine.hooks.MaskVisualizationHook`
logs the same grid during stage-1 training.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose
from torch import nn

from ..models.maskers.maskers import AttentionMasker, RandomMasker, TubeMasker
from .utils import atomic_write

MASKERS = (('semantic', AttentionMasker), ('tube', TubeMasker),
           ('random', RandomMasker))
LABEL_WIDTH = 76
MASKED_SHADE = 0.2


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DDP / FSDP wrapper."""
    return getattr(model, 'module', model)


def check_stage1(model: nn.Module, source: str = 'the model') -> None:
    if getattr(model, 'teacher', None) is None or not hasattr(
            model, 'backbone'):
        raise ValueError(f'{source} has no CLIP teacher (model.teacher): use '
                         'a stage-1 config such as configs/umt/stage1_vitb.py')


@torch.no_grad()
def mask_panels(model: nn.Module, video: torch.Tensor,
                mask_ratio: Optional[float] = None,
                seed: Optional[int] = 0) -> Dict:
    """Teacher attention and masks of one normalised clip.

    Args:
        model (nn.Module): A stage-1 model (``teacher``, ``backbone`` and
            ``masker``).
        video (Tensor): ``(1, C, T, H, W)``, normalised as the model's data
            preprocessor does.
        mask_ratio (float, optional): Defaults to the model masker's.
        seed (int, optional): Seed of the maskers, drawn from a forked RNG
            (training randomness is left untouched). None keeps the current
            state. Defaults to 0.

    Returns:
        dict: ``grid`` ``(T, h, w)``, ``attention`` ``(T, h*w)`` (softmax
        weights of the patch tokens; the class token's share is dropped),
        ``masks``: name -> bool ``(T, h*w)`` (True = masked) and
        ``mask_ratio``.
    """
    check_stage1(model)
    ratio = model.masker.mask_ratio if mask_ratio is None else mask_ratio
    t, h, w = model.backbone.grid
    _, attention = model.teacher.encode_video(video)
    attention = attention.float()
    if tuple(attention.shape) != (t, h * w):
        raise ValueError(f'teacher attention {tuple(attention.shape)} does '
                         f'not match the student grid {(t, h, w)}')
    masks = {}
    devices = [video.device] if video.device.type == 'cuda' else []
    with torch.random.fork_rng(devices=devices):
        if seed is not None:
            torch.manual_seed(seed)
        for name, cls in MASKERS:
            mask = cls(ratio)(1, t, h * w, attention=attention,
                              device=video.device)
            masks[name] = mask.view(t, h * w).cpu()
    return dict(grid=(t, h, w), attention=attention.cpu(), masks=masks,
                mask_ratio=ratio)


def _heatmap(values: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """``(h, w)`` values -> an ``(H, W, 3)`` RGB jet heat map."""
    import cv2
    span = values.max() - values.min()
    norm = (values - values.min()) / (span if span > 0 else 1)
    image = cv2.resize((norm * 255).astype(np.uint8), size[::-1],
                       interpolation=cv2.INTER_NEAREST)
    return cv2.applyColorMap(image, cv2.COLORMAP_JET)[..., ::-1]


def _label(text: str, height: int) -> np.ndarray:
    import cv2
    panel = np.full((height, LABEL_WIDTH, 3), 255, np.uint8)
    cv2.putText(panel, text, (3, height // 2 + 4), cv2.FONT_HERSHEY_SIMPLEX,
                0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return panel


def render_frames(frames: np.ndarray, panels: Dict) -> List[np.ndarray]:
    """One column per frame: ``(rows * H, W, 3)`` uint8 RGB images.

    Args:
        frames (np.ndarray): ``(T, H, W, 3)`` uint8 RGB clip.
        panels (dict): Output of :func:`mask_panels`.
    """
    t, h, w = panels['grid']
    T, H, W = frames.shape[:3]
    if T != t:
        raise ValueError(f'{T} frames for a token grid of {t} frames')
    scale = np.ones((H // h, W // w, 1), np.float32)
    columns = []
    for i in range(T):
        frame = frames[i].astype(np.float32)
        heat = _heatmap(panels['attention'][i].view(h, w).numpy(), (H, W))
        rows = [frame, 0.5 * frame + 0.5 * heat]
        for name, _ in MASKERS:
            keep = (~panels['masks'][name][i]).view(h, w).numpy()
            shade = np.kron(np.where(keep, 1.0, MASKED_SHADE), scale[..., 0])
            rows.append(frame * shade[:H, :W, None])
        columns.append(np.concatenate(rows).clip(0, 255).astype(np.uint8))
    return columns


def row_names(ratio: float) -> List[str]:
    return ['video', 'attention'] + [
        f'{name} {ratio:.0%}' for name, _ in MASKERS]


def render_grid(frames: np.ndarray, panels: Dict) -> np.ndarray:
    """Every frame side by side, with row labels: ``(rows*H, L+T*W, 3)``."""
    columns = render_frames(frames, panels)
    H = frames.shape[1]
    labels = np.concatenate(
        [_label(n, H) for n in row_names(panels['mask_ratio'])])
    return np.concatenate([labels] + columns, axis=1)


def clip_pipeline(cfg) -> List[Dict]:
    """Deterministic decoding of one clip at the student's input size."""
    backbone = cfg.model.backbone
    size = backbone.get('img_size', 224)
    return [
        dict(type='DecordInit'),
        dict(type='UniformSample', clip_len=backbone.get('num_frames', 8),
             num_clips=1, test_mode=True),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, size)),
        dict(type='CenterCrop', crop_size=size),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]


def load_clip(model: nn.Module, path: str) -> Tuple[np.ndarray, torch.Tensor]:
    """``(frames (T, H, W, 3) uint8, normalised video (1, C, T, H, W))``."""
    data = Compose(clip_pipeline(model.cfg))(
        dict(filename=path, label=-1, start_index=0, modality='RGB'))
    return batch_clip(model, [data['inputs']], [data['data_samples']])


def batch_clip(model: nn.Module, inputs: Sequence[torch.Tensor],
               data_samples: Optional[Sequence] = None
               ) -> Tuple[np.ndarray, torch.Tensor]:
    """The first clip of a batch as uint8 frames and preprocessed input."""
    raw = inputs[0]
    raw = raw[0] if raw.dim() == 5 else raw  # (C, T, H, W)
    frames = raw.permute(1, 2, 3, 0).clamp(0, 255).to(torch.uint8).cpu()
    batch = dict(inputs=[inputs[0]],
                 data_samples=list(data_samples or [None])[:1])
    video = model.data_preprocessor(batch, False)['inputs']
    video = video.flatten(0, 1) if video.dim() == 6 else video
    return frames.numpy(), video[:1]


def write_animation(columns: Sequence[np.ndarray], path: str,
                    fps: float = 2.0) -> None:
    """Frames (RGB uint8) as an animated GIF or an MP4, atomically."""
    if path.endswith('.gif'):
        from PIL import Image
        images = [Image.fromarray(c) for c in columns]

        def write(f):
            images[0].save(f, format='GIF', save_all=True,
                           append_images=images[1:],
                           duration=int(1000 / fps), loop=0)

        atomic_write(path, write)
        return
    if not path.endswith('.mp4'):
        raise ValueError(f'animation must be .gif or .mp4: {path}')
    import cv2
    H, W = columns[0].shape[:2]
    tmp = path + '.tmp.mp4'
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (W, H))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write MP4 files here: {path}')
    for column in columns:
        writer.write(np.ascontiguousarray(column[..., ::-1]))
    writer.release()
    os.replace(tmp, path)


def visualize_masks(config, checkpoint: Optional[str], video: str,
                    out_dir: str, mask_ratio: Optional[float] = None,
                    seed: int = 0, animation: str = 'gif',
                    device: Optional[str] = None,
                    overwrite: bool = False,
                    cfg_options: Optional[Dict] = None) -> List[str]:
    """Write ``<video>_masks.png`` and ``<video>_masks.<gif|mp4>``.

    Args:
        config (str): Stage-1 config file or zoo name.
        checkpoint (str, optional): Stage-1 weights (umt_mm or official;
            the teacher comes from the checkpoint or the config's
            ``model.teacher.pretrained``). None: only the teacher is loaded
            (from ``model.teacher.pretrained``), which is all the drawing
            needs.
        video (str): The video file.
        out_dir (str): Output folder.
        mask_ratio (float, optional): Defaults to the config's masker.
        seed (int): Masker seed. Defaults to 0.
        animation (str): ``'gif'``, ``'mp4'`` or ``'none'``.
            Defaults to 'gif'.
        device (str, optional): Defaults to cuda when present, else cpu.
        overwrite (bool): Replace existing outputs. Defaults to False.
        cfg_options (dict, optional): Config overrides. Defaults to None.

    Returns:
        list[str]: The written files.
    """
    from .model_zoo import get_model, load_teacher
    if not osp.isfile(video):
        raise FileNotFoundError(f'video not found: {video}')
    if animation not in ('gif', 'mp4', 'none'):
        raise ValueError(f"animation must be 'gif', 'mp4' or 'none', got "
                         f'{animation!r}')
    stem = osp.join(out_dir, osp.splitext(osp.basename(video))[0] + '_masks')
    outputs = [stem + '.png'] + ([] if animation == 'none' else
                                 [f'{stem}.{animation}'])
    existing = [p for p in outputs if osp.exists(p)]
    if existing and not overwrite:
        raise FileExistsError(f'{existing} exist; pass --overwrite to '
                              'replace them')
    model = get_model(config, checkpoint, device=device,
                      cfg_options=cfg_options,
                      pretrained=checkpoint is not None)
    check_stage1(model, str(config))
    if checkpoint is None:  # the teacher alone decides attention and masks
        load_teacher(model)
    try:
        frames, clip = load_clip(model, video)
    except Exception as e:  # noqa: BLE001  (decoder errors of many types)
        raise ValueError(f'cannot decode {video}: {type(e).__name__}: '
                         f'{e}') from None
    panels = mask_panels(model, clip, mask_ratio, seed)
    import cv2
    grid = render_grid(frames, panels)
    atomic_write(outputs[0], lambda f: f.write(
        cv2.imencode('.png', np.ascontiguousarray(grid[..., ::-1]))[1]
        .tobytes()))
    if animation != 'none':
        labels = np.concatenate([_label(n, frames.shape[1])
                                 for n in row_names(panels['mask_ratio'])])
        columns = [np.concatenate([labels, c], axis=1)
                   for c in render_frames(frames, panels)]
        write_animation(columns, outputs[1])
    return outputs
