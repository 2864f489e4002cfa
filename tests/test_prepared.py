"""Frame shards: conversion, same frames as DecordDecode, bad input."""
import json
import os
import random

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import umt_mm  # noqa: F401  (registers the transforms)
from umt_mm.benchmark import make_kinetics_like
from umt_mm.datasets.frame_shards import (FrameShardReader, ShardError,
                                          decode_h264, verify_root)
from umt_mm.datasets.prepare import prepare_frame_shards

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope='module')
def src(tmp_path_factory):
    """Two x264-default clips (one in a class folder) and a broken file."""
    d = tmp_path_factory.mktemp('prep_src')
    (d / 'a').mkdir()
    make_kinetics_like(str(d / 'a' / 'v0.mp4'), 0, seconds=1.5,
                       short_side=64)
    make_kinetics_like(str(d / 'v1.mp4'), 1, seconds=1, short_side=48)
    (d / 'broken.mp4').write_bytes(b'not a video' * 50)
    return d


def _convert(src, out, codec, quality=90):
    return prepare_frame_shards(str(src), str(out), codec=codec,
                                quality=quality, videos_per_shard=2,
                                progress=False)


@pytest.fixture(scope='module')
def png_root(src, tmp_path_factory):
    out = tmp_path_factory.mktemp('png')
    return out, _convert(src, out, 'png')


def _sample(pipeline, filename, seed):
    np.random.seed(seed)  # UniformSample, Flip
    random.seed(seed)  # MultiScaleCrop
    return Compose([TRANSFORMS.build(t) for t in pipeline])(
        dict(filename=filename, start_index=0, modality='RGB'))


def _both(src, root, key, seed, tail=()):
    init_default_scope('mmaction')
    sample = dict(type='UniformSample', clip_len=8, num_clips=1)
    ref = _sample([dict(type='DecordInit'), sample,
                   dict(type='DecordDecode'), *tail], str(src / key), seed)
    got = _sample([dict(type='PreparedFrameInit', root=str(root)), sample,
                   dict(type='PreparedFrameDecode'), *tail],
                  os.path.join(str(root), key), seed)
    return ref, got


def test_manifest_counts_failed_video_listed(png_root, src):
    root, m = png_root
    assert m['counts'] == dict(videos=3, converted=2, failed=1, frames=75,
                               shards=2)
    assert [r['key'] for r in m['failed']] == ['broken.mp4']
    assert 'broken.mp4' in m['failed'][0]['error']
    assert m['sizes']['source_bytes'] == sum(
        os.path.getsize(src / k) for k in ('a/v0.mp4', 'broken.mp4',
                                           'v1.mp4'))
    assert m['sizes']['prepared_bytes'] == sum(
        os.path.getsize(root / f'shard_0000{i}.tar') for i in (0, 1))
    reader = FrameShardReader(str(root))
    assert reader.info('a/v0.mp4')['frames'] == 45
    with pytest.raises(KeyError, match='conversion failed'):
        reader.info('broken.mp4')
    assert not [f for f in os.listdir(root) if '.tmp' in f]


@pytest.mark.parametrize('key', ['a/v0.mp4', 'v1.mp4'])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_png_shards_bit_exact(png_root, src, key, seed):
    root, _ = png_root
    crop = [dict(type='MultiScaleCrop', input_size=32,
                 scales=(1, .875, .75, .66), random_crop=False,
                 max_wh_scale_gap=1),
            dict(type='Resize', scale=(32, 32), keep_ratio=False),
            dict(type='Flip', flip_ratio=0.5)]
    ref, got = _both(src, root, key, seed)
    np.testing.assert_array_equal(got['frame_inds'], ref['frame_inds'])
    assert got['total_frames'] == ref['total_frames']
    np.testing.assert_array_equal(np.stack(got['imgs']),
                                  np.stack(ref['imgs']))
    # the rest of the pipeline draws the same crop and flip
    ref, got = _both(src, root, key, seed, crop)
    assert got['crop_bbox'].tolist() == ref['crop_bbox'].tolist()
    np.testing.assert_array_equal(np.stack(got['imgs']),
                                  np.stack(ref['imgs']))


def _check_psnr(src, root, min_db):
    """Same indices as DecordDecode, sampled frames above ``min_db``."""
    for seed in range(3):
        ref, got = _both(src, root, 'a/v0.mp4', seed)
        np.testing.assert_array_equal(got['frame_inds'], ref['frame_inds'])
        err = (np.stack(got['imgs']).astype(float) -
               np.stack(ref['imgs'])) ** 2
        psnr = 10 * np.log10(255**2 / err.mean())
        assert psnr > min_db, psnr


def test_jpeg_shards_psnr(src, tmp_path):
    _convert(src, tmp_path, 'jpeg', quality=90)
    _check_psnr(src, tmp_path, 33)  # docs/benchmark.md states > 33 dB


def test_resume_skips_done_shards(src, tmp_path):
    _convert(src, tmp_path, 'png')
    mtimes = {f: os.path.getmtime(tmp_path / f) for f in os.listdir(tmp_path)
              if f.endswith('.tar')}
    os.remove(tmp_path / 'shard_00001.tar')  # as if killed mid-run
    m = _convert(src, tmp_path, 'png')
    assert os.path.getmtime(tmp_path / 'shard_00000.tar') == \
        mtimes['shard_00000.tar']
    assert m['counts']['converted'] == 2 and not verify_root(str(tmp_path))


def test_altered_and_truncated_shards_named(src, tmp_path):
    _convert(src, tmp_path, 'png')
    shard = tmp_path / 'shard_00000.tar'
    entry = json.loads((tmp_path / 'shard_00000.json').read_text())
    off, size, _ = entry['videos']['a/v0.mp4']['frames'][3]
    data = bytearray(shard.read_bytes())
    data[off + size // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    reader = FrameShardReader(str(tmp_path))
    reader.read('a/v0.mp4', [0, 1])  # untouched frames still read
    with pytest.raises(ShardError, match='shard_00000.tar: checksum '
                       'mismatch at a/v0.mp4 frame 3'):
        reader.read('a/v0.mp4', [0, 3])
    assert 'SHA-256 differs' in verify_root(str(tmp_path))[0]
    shard.write_bytes(bytes(data[:off + 10]))
    with pytest.raises(ShardError, match='shard_00000.tar is truncated'):
        reader.read('a/v0.mp4', [3])
    assert 'truncated' in verify_root(str(tmp_path))[0]
    with pytest.raises(IndexError, match='a/v0.mp4: frame 45'):
        reader.read('a/v0.mp4', [45])


def test_switching_the_base_piece(png_root, src, tmp_path):
    """demo_stage1_prepared.py = demo_stage1.py read from the shards."""
    from mmaction.registry import DATASETS
    from mmengine.config import Config
    root, _ = png_root
    init_default_scope('mmaction')
    ann = tmp_path / 'list.txt'
    ann.write_text('a/v0.mp4 0\nv1.mp4 1\n')
    base = 'configs/_base_/datasets/'
    out = []
    for piece, prefix in (('demo_stage1.py', src),
                          ('demo_stage1_prepared.py', root)):
        cfg = Config.fromfile(os.path.join(REPO_ROOT, base, piece))
        ds = cfg.train_dataloader.dataset
        ds.ann_file, ds.data_prefix = str(ann), dict(video=str(prefix))
        if 'prepared_root' in ds:
            ds.prepared_root = str(root)
        dataset = DATASETS.build(ds)
        samples = []
        for i in range(2):
            np.random.seed(i)
            random.seed(i)
            samples.append(dataset[i]['inputs'])
        out.append(samples)
    assert type(dataset).__name__ == 'PreparedVideoDataset'
    for a, b in zip(*out):
        assert a.shape == (1, 3, 8, 64, 64)
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def _jpeg_sampling(data):
    """(h << 4 | v) sampling factors of a baseline JPEG's components."""
    i = data.index(b'\xff\xc0')
    return [data[i + 11 + 3 * c] for c in range(data[i + 9])]


def test_subsampling_option_and_options_change_reconverts(src, tmp_path):
    m420 = _convert(src, tmp_path, 'jpeg')
    reader = FrameShardReader(str(tmp_path))
    first = reader.read('a/v0.mp4', [0])[0]
    assert _jpeg_sampling(first) == [0x22, 0x11, 0x11]
    # same root, other options: every shard is converted again
    m444 = prepare_frame_shards(str(src), str(tmp_path), codec='jpeg',
                                quality=90, videos_per_shard=2,
                                progress=False, subsampling='444')
    assert m444['subsampling'] == '444' and m420['subsampling'] == '420'
    assert m444['sizes']['prepared_bytes'] > m420['sizes']['prepared_bytes']
    reader = FrameShardReader(str(tmp_path))
    assert _jpeg_sampling(reader.read('a/v0.mp4', [0])[0]) == [0x11] * 3
    with pytest.raises(ValueError, match="subsampling='411'"):
        prepare_frame_shards(str(src), str(tmp_path), subsampling='411')


def test_h264_shards_same_indices_psnr(src, tmp_path):
    """H.264 packets in shards (GOP 4): frame i decodes from its GOP, the
    sampled frames are those of DecordDecode within a stated PSNR, and a
    damaged packet is named."""
    m = prepare_frame_shards(str(src), str(tmp_path), codec='h264',
                             quality=23, gop=4, videos_per_shard=2,
                             progress=False)
    assert m['counts']['converted'] == 2 and m['gop'] == 4
    _check_psnr(src, tmp_path, 30)  # docs/benchmark.md states > 30 dB
    reader = FrameShardReader(str(tmp_path))
    # one decoder kept across GOPs and videos gives a fresh decoder's pixels
    for key, inds in [('a/v0.mp4', [9, 2, 3, 13]), ('v1.mp4', [0, 7, 5])]:
        got = reader.frames(key, inds)
        for i, frame in zip(inds, got):
            gop = reader.read(key, range(i - i % 4, i + 1))
            np.testing.assert_array_equal(frame, decode_h264(gop))
    assert reader._h264._ctx is not None  # kept, not reopened per frame
    # frame 6 needs packets 4, 5, 6: damage 5
    entry = json.loads((tmp_path / 'shard_00000.json').read_text())
    off, size, _ = entry['videos']['a/v0.mp4']['frames'][5]
    shard = tmp_path / 'shard_00000.tar'
    data = bytearray(shard.read_bytes())
    data[off + size // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    reader.frames('a/v0.mp4', [4, 8])  # other GOPs / earlier frames
    with pytest.raises(ShardError, match='a/v0.mp4 frame 5'):
        reader.frames('a/v0.mp4', [6])
    with pytest.raises(ValueError, match='x264 CRF'):
        prepare_frame_shards(str(src), str(tmp_path), codec='h264',
                             quality=90)
