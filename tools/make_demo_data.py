#!/usr/bin/env python
"""Generate a small synthetic video dataset for CPU demos and tests.

Every video shows one coloured shape (circle / square / triangle; red / green /
blue / yellow) moving in a straight line over a lightly textured, noisy
background. The class is the *motion direction* only (``moving left``,
``moving right``, ``moving up``, ``moving down``); shape, colour, size, start
position and speed are drawn at random per video, so nothing but the motion
identifies the label.

Layout of ``OUT_DIR``::

    videos/train_0000.mp4 ...  real H.264 (libx264, yuv420p) or MPEG-4 files
    train_list.txt             VideoDataset list, lines "videos/x.mp4 label"
    val_list.txt
    classes.txt                one class name per line, line index == label
    captions_train.json        UMT multimodal format:
    captions_val.json          [{"video": "videos/x.mp4", "caption": "..."}]
    qa_train.json, qa_val.json video QA (official format + "type"): three
                               questions a video (shape, colour, direction)
    qa_answer_list.json        the 11 possible answers
    mc_val.json                multiple choice: the caption among 4 others
                               [{"video", "caption": [5], "answer": index}]

Example::

    python tools/make_demo_data.py data/demo --num-train 64 --num-val 32
"""
import argparse
import json
import os
import os.path as osp
import time

import numpy as np

CLASSES = ('moving left', 'moving right', 'moving up', 'moving down')
# unit (dx, dy) per class, image coordinates (y grows downwards)
DIRECTIONS = ((-1, 0), (1, 0), (0, -1), (0, 1))
SHAPES = ('circle', 'square', 'triangle')
COLORS = {
    'red': (220, 30, 30),
    'green': (30, 190, 40),
    'blue': (30, 60, 220),
    'yellow': (235, 215, 20),
}


def parse_args():
    parser = argparse.ArgumentParser(
        description='Generate a synthetic moving-shape video dataset')
    parser.add_argument('out_dir', help='output directory')
    parser.add_argument('--num-train', type=int, default=64,
                        help='number of training videos')
    parser.add_argument('--num-val', type=int, default=32,
                        help='number of validation videos')
    parser.add_argument('--size', type=int, default=96,
                        help='frame height and width in pixels (even)')
    parser.add_argument('--frames', type=int, default=32,
                        help='frames per video')
    parser.add_argument('--fps', type=int, default=8, help='frame rate')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    return parser.parse_args()


def pick_codec():
    """Return the best available encoder: libx264, else mpeg4."""
    import av
    available = av.codecs_available
    for name in ('libx264', 'mpeg4'):
        if name in available:
            return name
    raise RuntimeError('PyAV has neither a libx264 nor an mpeg4 encoder')


def make_background(rng, size):
    """A smooth low-frequency grey texture (static over the video)."""
    coarse = rng.uniform(90, 170, size=(6, 6, 3))
    # bilinear upsampling of the coarse grid with numpy only
    pos = np.linspace(0, 5, size)
    i0 = np.floor(pos).astype(int).clip(0, 4)
    w = (pos - i0)[:, None, None]
    rows = coarse[i0] * (1 - w) + coarse[i0 + 1] * w  # (size, 6, 3)
    w = (pos - i0)[None, :, None]
    bg = rows[:, i0] * (1 - w) + rows[:, i0 + 1] * w  # (size, size, 3)
    # desaturate towards grey so the coloured shape stands out
    grey = bg.mean(axis=2, keepdims=True)
    return 0.7 * grey + 0.3 * bg


def shape_mask(shape, cx, cy, r, yy, xx):
    if shape == 'circle':
        return (xx - cx)**2 + (yy - cy)**2 <= r * r
    if shape == 'square':
        return (np.abs(xx - cx) <= r) & (np.abs(yy - cy) <= r)
    # upward-pointing isosceles triangle inscribed in the box of half-size r
    top = cy - r
    bottom = cy + r
    half_width = (yy - top) / (2.0 * r) * r  # grows from 0 at top to r
    return (yy >= top) & (yy <= bottom) & (np.abs(xx - cx) <= half_width)


def sample_video_spec(rng, label, size, frames):
    """Random appearance and trajectory for one video of class ``label``."""
    shape = SHAPES[rng.integers(len(SHAPES))]
    color = list(COLORS)[rng.integers(len(COLORS))]
    r = rng.uniform(0.09, 0.14) * size
    margin = r + 1
    # travel between 40% and 60% of the frame over the clip
    travel = rng.uniform(0.4, 0.6) * size
    speed = travel / max(frames - 1, 1)
    dx, dy = DIRECTIONS[label]
    lo, hi = margin, size - margin

    def start_along(d):
        # coordinate along the motion axis, so that the end stays in frame
        if d > 0:
            return rng.uniform(lo, hi - travel)
        return rng.uniform(lo + travel, hi)

    if dx != 0:
        x0, y0 = start_along(dx), rng.uniform(lo, hi)
    else:
        x0, y0 = rng.uniform(lo, hi), start_along(dy)
    return dict(shape=shape, color=color, radius=r, x0=x0, y0=y0,
                vx=dx * speed, vy=dy * speed)


def render_video(rng, spec, size, frames):
    bg = make_background(rng, size)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    rgb = np.array(COLORS[spec['color']], dtype=np.float32)
    out = np.empty((frames, size, size, 3), dtype=np.uint8)
    for t in range(frames):
        img = bg + rng.normal(0, 6, size=bg.shape)  # per-frame sensor noise
        cx = spec['x0'] + spec['vx'] * t
        cy = spec['y0'] + spec['vy'] * t
        mask = shape_mask(spec['shape'], cx, cy, spec['radius'], yy, xx)
        img[mask] = rgb + rng.normal(0, 4, size=(int(mask.sum()), 3))
        out[t] = np.clip(img, 0, 255).astype(np.uint8)
    return out


def write_video(path, frames_rgb, fps, codec):
    import av
    height, width = frames_rgb.shape[1:3]
    container = av.open(path, mode='w')
    try:
        stream = container.add_stream(codec, rate=fps)
        stream.width = width
        stream.height = height
        stream.pix_fmt = 'yuv420p'
        if codec == 'libx264':
            # x264's macroblock-tree rate control is not bit-reproducible run
            # to run (observed with PyAV 18); without it files are identical.
            stream.options = {'crf': '18', 'preset': 'veryfast',
                              'x264-params': 'mbtree=0'}
        else:
            stream.bit_rate = 2_000_000
        # single-threaded encoding keeps the output byte-identical per seed
        stream.codec_context.thread_count = 1
        for arr in frames_rgb:
            frame = av.VideoFrame.from_ndarray(arr, format='rgb24')
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()


def check_readable(path, frames, size):
    """Verify with decord (mmaction2's default backend) that the file reads."""
    import decord
    vr = decord.VideoReader(path)
    n = len(vr)
    shape = vr[0].shape
    if n != frames or tuple(shape) != (size, size, 3):
        # e.g. decord 0.6.0 returns 4 channels for 48x48 H.264 files that
        # PyAV decodes fine; mmaction2 reads with decord, so refuse them
        raise RuntimeError(f'{path}: decord read {n} frames of {shape}, '
                           f'expected {frames} of {(size, size, 3)}; '
                           'try another --size')


def caption_for(spec, label):
    return f"a {spec['color']} {spec['shape']} {CLASSES[label]}"


#: (type, question, answer of a video entry) of the demo QA
QUESTIONS = (
    ('shape', 'what shape is moving?', lambda e: e['shape']),
    ('color', 'what color is the shape?', lambda e: e['color']),
    ('direction', 'which direction does the shape move?',
     lambda e: CLASSES[e['label']].split()[-1]),
)
ANSWERS = list(SHAPES) + list(COLORS) + [c.split()[-1] for c in CLASSES]
NUM_CHOICES = 5


def qa_entries(entries):
    """Three questions a video (official QA format plus ``type``)."""
    return [dict(video=e['video'], question=question, answer=answer(e),
                 question_id=i * len(QUESTIONS) + j, type=kind)
            for i, e in enumerate(entries)
            for j, (kind, question, answer) in enumerate(QUESTIONS)]


def mc_entries(entries, seed):
    """The true caption among ``NUM_CHOICES - 1`` other captions of the
    demo's caption space, at a random position (own generator, so the
    videos of a seed do not change)."""
    rng = np.random.default_rng(seed)
    space = [f'a {c} {s} {m}' for c in COLORS for s in SHAPES
             for m in CLASSES]
    out = []
    for e in entries:
        others = [c for c in space if c != e['caption']]
        picks = rng.choice(len(others), NUM_CHOICES - 1, replace=False)
        options = [others[i] for i in picks]
        answer = int(rng.integers(NUM_CHOICES))
        options.insert(answer, e['caption'])
        out.append(dict(video=e['video'], caption=options, answer=answer))
    return out


def generate_split(rng, split, num, args, codec):
    """Render ``num`` class-balanced videos; returns list entries."""
    labels = np.arange(num) % len(CLASSES)
    rng.shuffle(labels)
    entries = []
    for idx, label in enumerate(labels.tolist()):
        spec = sample_video_spec(rng, label, args.size, args.frames)
        video = render_video(rng, spec, args.size, args.frames)
        rel = f'videos/{split}_{idx:04d}.mp4'
        path = osp.join(args.out_dir, rel)
        write_video(path, video, args.fps, codec)
        check_readable(path, args.frames, args.size)
        entries.append(dict(video=rel, label=label,
                            caption=caption_for(spec, label),
                            shape=spec['shape'], color=spec['color']))
    return entries


def write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=1)


def write_split(out_dir, split, entries, seed):
    with open(osp.join(out_dir, f'{split}_list.txt'), 'w') as f:
        for e in entries:
            f.write(f"{e['video']} {e['label']}\n")
    captions = [dict(video=e['video'], caption=e['caption']) for e in entries]
    write_json(osp.join(out_dir, f'captions_{split}.json'), captions)
    write_json(osp.join(out_dir, f'qa_{split}.json'), qa_entries(entries))
    if split == 'val':
        write_json(osp.join(out_dir, 'mc_val.json'),
                   mc_entries(entries, seed + 1))


def main():
    args = parse_args()
    if args.size % 2 or args.size < 16:
        raise SystemExit('--size must be an even number >= 16 (yuv420p)')
    if args.frames < 2:
        raise SystemExit('--frames must be >= 2')
    if args.num_train < 0 or args.num_val < 0:
        raise SystemExit('--num-train/--num-val must be >= 0')
    start = time.time()
    codec = pick_codec()
    os.makedirs(osp.join(args.out_dir, 'videos'), exist_ok=True)
    rng = np.random.default_rng(args.seed)
    with open(osp.join(args.out_dir, 'classes.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    write_json(osp.join(args.out_dir, 'qa_answer_list.json'), ANSWERS)
    summary = {}
    for split, num in (('train', args.num_train), ('val', args.num_val)):
        entries = generate_split(rng, split, num, args, codec)
        write_split(args.out_dir, split, entries, args.seed)
        summary[split] = np.bincount(
            [e['label'] for e in entries], minlength=len(CLASSES)).tolist()
    print(f'Wrote {args.num_train} train + {args.num_val} val videos '
          f'({args.frames} frames, {args.size}x{args.size}, {args.fps} fps, '
          f'codec {codec}) to {args.out_dir} in {time.time() - start:.1f}s')
    for split, counts in summary.items():
        per_class = ', '.join(f'{c}: {n}' for c, n in zip(CLASSES, counts))
        print(f'  {split}: {per_class}')


if __name__ == '__main__':
    main()
