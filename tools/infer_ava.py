#!/usr/bin/env python
"""Spatio-temporal action detection demo for a UMT AVA model.

Usage::

    python tools/infer_ava.py VIDEO CONFIG CHECKPOINT --proposals FILE \
        [--label-map PBTXT] [--video-id ID] [--fps 30] [--timestamp-start S] \
        [--timestamps 902 903] [--person-thr 0.8] [--score-thr 0.3] \
        [--out-dir demo_out] [--render none|png|mp4]

``VIDEO`` is a video file (frames decoded with OpenCV) or a rawframes folder
``img_%05d.jpg`` (1-based, as mmaction2's AVA layout). Keyframe ``ts`` (in
seconds) is frame ``fps * (ts - timestamp_start)``; ``--timestamp-start``
defaults to 900 for rawframes folders (AVA frames start at 15 min) and 0 for
video files. The clip around each keyframe follows the config's
``SampleAVAFrames`` (e.g. 8 frames every 8th), then the config's test
transforms run.

``--proposals``: person boxes, normalised ``x1,y1,x2,y2`` in ``[0, 1]``:
an AVA proposals ``.pkl`` (``{'<video_id>,<ts:04d>': (n, 4|5) array}``), a
``.csv`` with rows ``[video_id,]ts,x1,y1,x2,y2[,score]`` or a ``.json``
``{"<ts>": [[x1, y1, x2, y2(, score)], ...]}``. A ``.pkl`` is read with a
restricted unpickler: numpy arrays and plain containers only, so a crafted
file cannot run code.

Writes ``detections.csv`` (AVA result format ``video_id,ts,x1,y1,x2,y2,
action_id,score``, readable by ``tools/analysis/eval_ava.py``) and
``detections.json`` (per keyframe, per person, the actions over
``--score-thr``) to ``--out-dir``; ``--render png`` draws each keyframe to
``<video_id>_<ts>.png``, ``--render mp4`` writes ``<video_id>.mp4`` of the
rendered keyframes.
"""
import argparse
import csv
import json
import os
import os.path as osp
import sys

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402

import umt_mm  # noqa: E402,F401
from umt_mm.datasets.safe_pickle import safe_pickle_load  # noqa: E402


def load_person_boxes(path, video_id):
    """``{timestamp: (n, 5) array}`` (score 1 when absent)."""
    out = {}

    def add(ts, rows):
        arr = np.asarray(rows, dtype=np.float32).reshape(-1, len(rows[0]))
        if arr.shape[1] == 4:
            arr = np.concatenate([arr, np.ones((len(arr), 1), np.float32)], 1)
        out[int(ts)] = np.concatenate([out[int(ts)], arr]) \
            if int(ts) in out else arr

    if path.endswith('.pkl'):
        data = safe_pickle_load(path)
        for key, arr in data.items():
            vid, ts = key.rsplit(',', 1)
            if vid == video_id and len(arr):
                add(ts, np.asarray(arr)[:, :5].tolist())
    elif path.endswith('.json'):
        with open(path) as f:
            data = json.load(f)
        for ts, rows in data.items():
            if rows:
                add(ts, rows)
    else:
        with open(path) as f:
            for row in csv.reader(f):
                if not row:
                    continue
                try:
                    float(row[0])
                except ValueError:  # leading video id
                    if row[0] != video_id:
                        continue
                    row = row[1:]
                add(row[0], [list(map(float, row[1:6]))])
    if not out:
        raise ValueError(f'no person boxes for video {video_id!r} in {path}')
    return out


class FrameSource:
    """Random access to the RGB frames of a video file or rawframes dir."""

    def __init__(self, path, fps=None):
        import cv2
        self.cv2 = cv2
        self.is_dir = osp.isdir(path)
        if self.is_dir:
            names = sorted(n for n in os.listdir(path)
                           if n.startswith('img_') and n.endswith('.jpg'))
            if not names:
                raise FileNotFoundError(f'no img_%05d.jpg frames in {path}')
            self.path, self.count = path, len(names)
            self.fps = fps or 30.
        else:
            cap = cv2.VideoCapture(path)
            if not cap.isOpened():
                raise FileNotFoundError(f'cannot open video {path}')
            self.fps = fps or cap.get(cv2.CAP_PROP_FPS) or 30.
            self.frames = []
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                self.frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            cap.release()
            self.count = len(self.frames)

    def __getitem__(self, idx):  # 0-based
        idx = int(np.clip(idx, 0, self.count - 1))
        if self.is_dir:
            img = self.cv2.imread(
                osp.join(self.path, f'img_{idx + 1:05d}.jpg'))
            return self.cv2.cvtColor(img, self.cv2.COLOR_BGR2RGB)
        return self.frames[idx]


def read_label_names(path):
    if not path or not osp.isfile(path):
        return {}
    from mmaction.evaluation.functional.ava_utils import read_labelmap
    with open(path) as f:
        return {c['id']: c['name'] for c in read_labelmap(f)[0]}


def build(cfg_path, ckpt, device):
    from mmaction.registry import MODELS
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    cfg = Config.fromfile(cfg_path)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, ckpt, map_location='cpu')
    model.to(device).eval()
    pipeline = list(cfg.test_dataloader.dataset.pipeline)
    sampler = [t for t in pipeline if t['type'] == 'SampleAVAFrames']
    if not sampler:
        raise ValueError('the test pipeline has no SampleAVAFrames')
    rest = pipeline[[t['type'] for t in pipeline].index('RawFrameDecode') + 1:]
    return cfg, model, Compose(rest), sampler[0]


def render(frame, persons, names, cv2):
    img = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR).copy()
    h, w = img.shape[:2]
    for p in persons:
        x1, y1, x2, y2 = (np.array(p['box']) * [w, h, w, h]).astype(int)
        cv2.rectangle(img, (x1, y1), (x2, y2), (0, 255, 0), 2)
        for j, act in enumerate(p['actions'][:5]):
            text = f"{act['name']} {act['score']:.2f}"
            cv2.putText(img, text, (x1 + 2, y1 + 12 + 12 * j),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 255), 1)
    return img


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('video')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--proposals', required=True,
                        help='person boxes (.pkl / .csv / .json)')
    parser.add_argument('--label-map', help='AVA .pbtxt for action names '
                        "(default: the config's label_file when it exists)")
    parser.add_argument('--video-id', help='default: the file/folder name')
    parser.add_argument('--fps', type=float, help='frames per second '
                        '(default: the file\'s, 30 for rawframes)')
    parser.add_argument('--timestamp-start', type=float)
    parser.add_argument('--timestamps', type=int, nargs='+',
                        help='keyframes to run (default: all with boxes)')
    parser.add_argument('--person-thr', type=float, default=0.8,
                        help='keep person boxes scoring at least this')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='report actions scoring at least this')
    parser.add_argument('--out-dir', default='demo_out')
    parser.add_argument('--render', choices=['none', 'png', 'mp4'],
                        default='none')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available()
                        else 'cpu')
    args = parser.parse_args(argv)
    logger = MMLogger.get_instance('infer_ava')

    video_id = args.video_id or osp.splitext(
        osp.basename(osp.normpath(args.video)))[0]
    boxes = load_person_boxes(args.proposals, video_id)
    cfg, model, pipeline, sampler = build(args.config, args.checkpoint,
                                          args.device)
    ds_cfg = cfg.test_dataloader.dataset
    custom = ds_cfg.get('custom_classes')
    num_classes = cfg.model.roi_head.bbox_head.num_classes
    names = read_label_names(args.label_map or ds_cfg.get('label_file'))
    frames = FrameSource(args.video, args.fps)
    t0 = args.timestamp_start
    if t0 is None:
        t0 = 900. if frames.is_dir else 0.
    clip_len, interval = sampler['clip_len'], sampler['frame_interval']
    offsets = (np.arange(clip_len) - clip_len // 2) * interval

    os.makedirs(args.out_dir, exist_ok=True)
    rows, keyframes, rendered = [], [], []
    for ts in sorted(args.timestamps or boxes):
        props = boxes.get(ts)
        if props is None:
            logger.warning(f'no person boxes at {ts}; skipped')
            continue
        keep = props[:, 4] >= min(args.person_thr, props[:, 4].max())
        props = props[keep, :4]
        center = int(round(frames.fps * (ts - t0)))
        imgs = [frames[center + o] for o in offsets]
        h, w = imgs[0].shape[:2]
        pix = (props * [w, h, w, h]).astype(np.float32)
        data = pipeline(dict(
            imgs=imgs, img_shape=(h, w), original_shape=(h, w),
            modality='RGB', num_clips=1, clip_len=clip_len,
            proposals=pix, gt_bboxes=pix.copy(),
            gt_labels=np.zeros((len(pix), num_classes), np.float32),
            video_id=video_id, timestamp=ts, img_key=f'{video_id},{ts:04d}'))
        batch = dict(inputs=[data['inputs']],
                     data_samples=[data['data_samples']])
        with torch.no_grad():
            pred = model.test_step(batch)[0].pred_instances
        persons = []
        for box, score in zip(pred.bboxes.cpu().numpy(),
                              pred.scores.cpu().numpy()):
            actions = []
            for k in np.argsort(-score[1:]) + 1:
                if score[k] < args.score_thr:
                    break
                aid = custom[k - 1] if custom else int(k)
                actions.append(dict(id=int(aid), name=names.get(aid, str(aid)),
                                    score=float(score[k])))
                rows.append([video_id, f'{ts:04d}'] +
                            [f'{v:.3f}' for v in box] + [aid,
                                                         f'{score[k]:.4f}'])
            persons.append(dict(box=[float(v) for v in box], actions=actions))
        keyframes.append(dict(timestamp=ts, persons=persons))
        if args.render != 'none':
            img = render(frames[center], persons, names, frames.cv2)
            if args.render == 'png':
                frames.cv2.imwrite(
                    osp.join(args.out_dir, f'{video_id}_{ts:04d}.png'), img)
            rendered.append(img)

    with open(osp.join(args.out_dir, 'detections.csv'), 'w', newline='') as f:
        csv.writer(f).writerows(rows)
    with open(osp.join(args.out_dir, 'detections.json'), 'w') as f:
        json.dump(dict(video_id=video_id, keyframes=keyframes), f, indent=1)
    if args.render == 'mp4' and rendered:
        h, w = rendered[0].shape[:2]
        writer = frames.cv2.VideoWriter(
            osp.join(args.out_dir, f'{video_id}.mp4'),
            frames.cv2.VideoWriter_fourcc(*'mp4v'), 1, (w, h))
        for img in rendered:
            writer.write(img)
        writer.release()
    logger.info(f'{len(keyframes)} keyframes, {len(rows)} detections -> '
                f'{args.out_dir}')


if __name__ == '__main__':
    main()
