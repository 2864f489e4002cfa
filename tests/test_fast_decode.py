"""FastVideoInit + FastSparseDecode return DecordInit + DecordDecode frames."""
import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from mmengine.registry import init_default_scope

import umt_mm  # noqa: F401  (registers the transforms)
from tools.data import reencode_videos
from umt_mm.benchmark import make_kinetics_like


@pytest.fixture(scope='module')
def clips(tmp_path_factory):
    """x264-default clip (B-frames, one GOP) and a short-GOP re-encode."""
    d = tmp_path_factory.mktemp('fast_decode')
    src = str(d / 'x264_default.mp4')
    make_kinetics_like(src, seed=3, seconds=2, short_side=64)
    gop = str(d / 'gop8.mp4')
    reencode_videos.encode(src, gop, gop=8, short_side=0, crf=23,
                           preset='ultrafast')
    return dict(default=src, gop=gop)


def _decode(init, decode, path, inds):
    res = TRANSFORMS.build(init).transform(dict(filename=path))
    n = res['total_frames']
    res['frame_inds'] = np.asarray(inds(n))
    res = TRANSFORMS.build(decode).transform(res)
    return n, res


INDEX_SETS = [
    lambda n: [0, n // 3, n // 2, n - 1],
    lambda n: [n - 1, 0, 5, 5, n - 2, 1],  # unsorted, repeated
    lambda n: list(range(0, n, 7)),
    lambda n: [n // 2 + 1, n // 2 + 2, n // 2 + 3],  # consecutive B-frames
]


@pytest.mark.parametrize('kind', ['default', 'gop'])
@pytest.mark.parametrize('inds', range(len(INDEX_SETS)))
def test_same_frames_as_decord(clips, kind, inds):
    init_default_scope('mmaction')
    path, fn = clips[kind], INDEX_SETS[inds]
    n_ref, ref = _decode(dict(type='DecordInit'), dict(type='DecordDecode'),
                         path, fn)
    n, fast = _decode(dict(type='FastVideoInit'),
                      dict(type='FastSparseDecode'), path, fn)
    assert n == n_ref == 60
    np.testing.assert_array_equal(fast['frame_inds'], ref['frame_inds'])
    assert fast['img_shape'] == ref['img_shape'] == (64, 114)
    a = np.stack(ref['imgs']).astype(int)
    b = np.stack(fast['imgs']).astype(int)
    assert a.shape == b.shape
    # same FFmpeg decoder and RGB conversion: identical up to rounding
    assert np.abs(a - b).max() <= 2
    assert np.abs(a - b).mean() < 0.05
    assert fast['video_reader'] is None


def test_frames_are_distinct_and_index_errors(clips):
    init_default_scope('mmaction')
    _, res = _decode(dict(type='FastVideoInit'),
                     dict(type='FastSparseDecode'), clips['default'],
                     lambda n: [0, 30])
    assert not np.array_equal(res['imgs'][0], res['imgs'][1])
    with pytest.raises(IndexError):
        _decode(dict(type='FastVideoInit'), dict(type='FastSparseDecode'),
                clips['default'], lambda n: [n])
