"""tools/data/reencode_videos.py end to end, including resume."""
import os

from umt_mm.benchmark import make_kinetics_like


def _structure(path):
    import av
    with av.open(path) as c:
        s = c.streams.video[0]
        keys = [i for i, p in enumerate(c.demux(s)) if p.is_keyframe]
    with av.open(path) as c:
        types = {str(f.pict_type) for f in c.decode(video=0)}
        size = (c.streams.video[0].width, c.streams.video[0].height)
    return keys, types, size


def test_reencode_end_to_end_and_resume(run_tool, tmp_path):
    src = tmp_path / 'src'
    (src / 'a').mkdir(parents=True)
    make_kinetics_like(str(src / 'a' / 'v0.mp4'), 0, seconds=1,
                       short_side=96)
    make_kinetics_like(str(src / 'v1.mp4'), 1, seconds=1, short_side=96)
    lst = tmp_path / 'list.txt'
    lst.write_text('a/v0.mp4 0\nv1.mp4 1\n')
    dst = tmp_path / 'dst'
    args = [str(src), str(dst), '--gop', '8', '--short-side', '64',
            '--workers', '2', '--preset', 'ultrafast']
    res = run_tool('tools/data/reencode_videos.py', *args, '--list-in',
                   str(lst), '--list-out', str(tmp_path / 'new.txt'),
                   timeout=120).check()
    assert 'encoded: 2' in res.stdout and 'failed: 0' in res.stdout
    assert (tmp_path / 'new.txt').read_text() == 'a/v0.mp4 0\nv1.mp4 1\n'
    for rel in ('a/v0.mp4', 'v1.mp4'):
        keys, types, size = _structure(str(dst / rel))
        assert keys == [0, 8, 16, 24]  # 30 frames, keyframe every 8
        assert 'B' not in types and '3' not in types  # no B-frames
        assert min(size) == 64
    assert not [f for f in os.listdir(dst) if '.tmp' in f]

    # resume: both outputs verify -> skipped
    res = run_tool('tools/data/reencode_videos.py', *args,
                   timeout=120).check()
    assert 'encoded: 0' in res.stdout and 'skipped (already done): 2' \
        in res.stdout
    # an interrupted (truncated) output and a missing one are redone
    out0 = dst / 'a' / 'v0.mp4'
    out0.write_bytes(out0.read_bytes()[:2000])
    os.remove(dst / 'v1.mp4')
    res = run_tool('tools/data/reencode_videos.py', *args,
                   timeout=120).check()
    assert 'encoded: 2' in res.stdout and 'skipped (already done): 0' \
        in res.stdout
    assert _structure(str(out0))[0] == [0, 8, 16, 24]
