"""Tests for tools/make_demo_data.py (synthetic moving-shape videos)."""
import filecmp
import json
import os
import os.path as osp
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

CLASSES = ['moving left', 'moving right', 'moving up', 'moving down']


def read_list(path):
    with open(path) as f:
        rows = [line.split() for line in f if line.strip()]
    return [(rel, int(label)) for rel, label in rows]


def read_captions(path):
    with open(path) as f:
        return json.load(f)


def test_layout_and_lists(demo_data, demo_data_args):
    with open(osp.join(demo_data, 'classes.txt')) as f:
        assert f.read().splitlines() == CLASSES
    for split, num in (('train', demo_data_args['num_train']),
                       ('val', demo_data_args['num_val'])):
        entries = read_list(osp.join(demo_data, f'{split}_list.txt'))
        assert len(entries) == num
        assert len({rel for rel, _ in entries}) == num
        for rel, label in entries:
            assert rel.startswith('videos/') and rel.endswith('.mp4')
            assert osp.getsize(osp.join(demo_data, rel)) > 0
            assert 0 <= label < len(CLASSES)
        # balanced: every class exactly num / 4 times
        counts = Counter(label for _, label in entries)
        assert counts == {c: num // len(CLASSES) for c in range(len(CLASSES))}
    n_videos = len(os.listdir(osp.join(demo_data, 'videos')))
    assert n_videos == demo_data_args['num_train'] + demo_data_args['num_val']


def test_videos_decode_with_decord(demo_data, demo_data_args):
    import decord
    size, frames = demo_data_args['size'], demo_data_args['frames']
    for split in ('train', 'val'):
        for rel, _ in read_list(osp.join(demo_data, f'{split}_list.txt')):
            vr = decord.VideoReader(osp.join(demo_data, rel))
            assert len(vr) == frames
            assert tuple(vr[0].shape) == (size, size, 3)
            assert vr.get_avg_fps() == pytest.approx(demo_data_args['fps'])


def _shape_centroid(frame):
    """Centroid of the saturated (coloured) pixels of an RGB frame."""
    f = frame.astype(np.int32)
    saturation = f.max(axis=2) - f.min(axis=2)
    ys, xs = np.nonzero(saturation > 100)
    assert len(xs) > 20, 'no coloured shape found'
    return xs.mean(), ys.mean()


def test_motion_matches_label(demo_data):
    """The class is the motion: the shape's centroid moves that way."""
    import decord
    for rel, label in read_list(osp.join(demo_data, 'train_list.txt')):
        vr = decord.VideoReader(osp.join(demo_data, rel))
        x0, y0 = _shape_centroid(vr[0].asnumpy())
        x1, y1 = _shape_centroid(vr[len(vr) - 1].asnumpy())
        dx, dy = x1 - x0, y1 - y0
        expected = {0: dx < -20, 1: dx > 20, 2: dy < -20, 3: dy > 20}[label]
        assert expected, f'{rel} label {CLASSES[label]}: moved ({dx}, {dy})'
        if label in (0, 1):
            assert abs(dy) < 3
        else:
            assert abs(dx) < 3


def test_captions_match_labels(demo_data):
    colours = {'red', 'green', 'blue', 'yellow'}
    shapes = {'circle', 'square', 'triangle'}
    for split in ('train', 'val'):
        labels = dict(read_list(osp.join(demo_data, f'{split}_list.txt')))
        captions = read_captions(osp.join(demo_data, f'captions_{split}.json'))
        assert isinstance(captions, list)
        assert [c['video'] for c in captions] == list(labels)
        for item in captions:
            assert set(item) == {'video', 'caption'}
            words = item['caption'].split()
            assert words[0] == 'a'
            assert words[1] in colours and words[2] in shapes
            assert ' '.join(words[3:]) == CLASSES[labels[item['video']]]


def test_deterministic_under_seed(tmp_path, make_demo_data):
    small = dict(num_train=4, num_val=4, frames=16, size=64)
    make_demo_data(tmp_path / 'a', **small)
    make_demo_data(tmp_path / 'b', **small)
    make_demo_data(tmp_path / 'c', seed=1, **small)
    names = ['train_list.txt', 'val_list.txt', 'captions_train.json',
             'captions_val.json', 'classes.txt']
    videos = sorted(os.listdir(tmp_path / 'a' / 'videos'))
    names += [osp.join('videos', v) for v in videos]
    match, mismatch, errors = filecmp.cmpfiles(
        tmp_path / 'a', tmp_path / 'b', names, shallow=False)
    assert not mismatch and not errors and len(match) == len(names)
    # another seed gives other videos
    _, mismatch, _ = filecmp.cmpfiles(
        tmp_path / 'a', tmp_path / 'c', names, shallow=False)
    assert any(m.startswith('videos') for m in mismatch)


def test_summary_and_argument_checks(tmp_path, make_demo_data, repo_root):
    out = make_demo_data(tmp_path / 'd', num_train=8, num_val=0,
                         frames=8, size=32)
    assert 'moving left: 2' in out and 'moving down: 2' in out
    proc = subprocess.run(
        [sys.executable, osp.join(repo_root, 'tools', 'make_demo_data.py'),
         str(tmp_path / 'e'), '--size', '33'],
        capture_output=True, text=True)
    assert proc.returncode != 0 and 'even' in proc.stderr


def test_mpeg4_fallback_is_readable(tmp_path):
    """The encoder used when PyAV has no libx264 also gives decord-readable
    files of the right size and length."""
    from tools import make_demo_data as mod
    rng = np.random.default_rng(0)
    spec_ = mod.sample_video_spec(rng, 1, 64, 12)
    frames = mod.render_video(rng, spec_, 64, 12)
    path = str(tmp_path / 'mpeg4.mp4')
    mod.write_video(path, frames, 8, 'mpeg4')
    mod.check_readable(path, 12, 64)
    import decord
    decoded = decord.VideoReader(path).get_batch(list(range(12))).asnumpy()
    # lossy, but close to the rendered frames
    assert np.abs(decoded.astype(int) - frames).mean() < 12
