#!/usr/bin/env python
"""Re-encode a video tree for fast sparse frame sampling.

Kinetics-style files are usually x264 defaults: a keyframe every 250 frames
and B-frames, so reading 8 sparse frames decodes almost the whole video.
This tool re-encodes every video to H.264 with a short keyframe interval
(``--gop``, default 16), no B-frames and a bounded short side, so that a
sparse reader (decord's ``get_batch`` or umt_mm's ``FastSparseDecode``)
decodes at most ``gop`` frames per sampled frame.

* the directory tree is mirrored (``a/b/c.webm`` -> ``DST/a/b/c.mp4``);
* resumable: an output that exists and verifies is skipped; outputs are
  written to a temporary name and renamed only once verified, so an
  interrupted run never leaves a file that looks finished;
* every output is verified with decord (frame count within ``--tolerance``
  of the source, first and last frame decodable);
* ``--list-in/--list-out`` rewrite an mmaction2 list file
  (``path label`` lines) to the new file names.

Audio is dropped and frames are re-timed at the source's average frame rate
(stage-1 pre-training samples frames by index).

Example::

    python tools/data/reencode_videos.py \
        data/k710/videos data/k710/videos_g16 \
        --gop 16 --short-side 320 --workers 16 \
        --list-in data/k710/k710_train_list_videos.txt \
        --list-out data/k710/k710_train_list_videos_g16.txt
"""
import argparse
import os
import os.path as osp
import sys
import time
from multiprocessing import Pool

from umt_mm.datasets.guarded import error_text
from umt_mm.datasets.prepare import VIDEO_EXTS, find_videos
from umt_mm.datasets.prepare import reencode_video as encode


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Re-encode videos (short GOP, no B-frames) for fast '
        'sparse sampling')
    parser.add_argument('src_dir')
    parser.add_argument('dst_dir')
    parser.add_argument('--gop', type=int, default=16,
                        help='keyframe interval in frames')
    parser.add_argument('--short-side', type=int, default=320,
                        help='downscale so the short side is at most this '
                        '(0: keep the size)')
    parser.add_argument('--crf', type=int, default=23, help='x264 CRF')
    parser.add_argument('--preset', default='medium', help='x264 preset')
    parser.add_argument('--tune', help="x264 tune, e.g. 'fastdecode' (CAVLC, "
                        'no deblocking: faster decoding, larger files)')
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--tolerance', type=int, default=2,
                        help='allowed frame-count difference to the source')
    parser.add_argument('--list-in', help='mmaction2 list file to rewrite')
    parser.add_argument('--list-out', help='rewritten list file')
    return parser.parse_args(argv)


def dst_name(rel):
    return osp.splitext(rel)[0] + '.mp4'


def source_frames(path):
    """Frame count of a source: container metadata, else counted packets."""
    import av
    with av.open(path) as c:
        s = c.streams.video[0]
        if s.frames:
            return s.frames
        return sum(1 for p in c.demux(s) if p.size)


def verify(path, expected, tolerance):
    """``(ok, frames, why)``: decord opens it, first/last frames decode."""
    try:
        import decord
        vr = decord.VideoReader(path, num_threads=1)
        n = len(vr)
        if abs(n - expected) > tolerance:
            return False, n, f'{n} frames, source has {expected}'
        vr.get_batch([0, n - 1]).asnumpy()
        return True, n, ''
    except Exception as e:  # any decode failure means "not done"
        return False, 0, error_text(e)


def process(job):
    """Encode one file unless a verified output exists. Returns a record."""
    src, dst, opts = job
    start = time.time()
    try:
        expected = source_frames(src)
        if osp.exists(dst):
            ok, n, _ = verify(dst, expected, opts['tolerance'])
            if ok:
                return dict(src=src, status='skipped', frames=n, seconds=0.)
        os.makedirs(osp.dirname(dst) or '.', exist_ok=True)
        tmp = f'{dst}.tmp{os.getpid()}.mp4'
        try:
            encode(src, tmp, opts['gop'], opts['short_side'], opts['crf'],
                   opts['preset'], opts['tune'])
            ok, n, why = verify(tmp, expected, opts['tolerance'])
            if not ok:
                return dict(src=src, status='failed', frames=n, why=why,
                            seconds=time.time() - start)
            os.replace(tmp, dst)
        finally:
            if osp.exists(tmp):
                os.remove(tmp)
        return dict(src=src, status='encoded', frames=n,
                    seconds=time.time() - start)
    except Exception as e:
        return dict(src=src, status='failed', frames=0,
                    why=error_text(e),
                    seconds=time.time() - start)


def rewrite_list(list_in, list_out):
    """Replace video extensions by ``.mp4`` in an mmaction2 list file."""
    n = 0
    with open(list_in) as fin, open(list_out, 'w') as fout:
        for line in fin:
            parts = line.rstrip('\n').split(' ')
            if parts and parts[0].lower().endswith(VIDEO_EXTS):
                parts[0] = dst_name(parts[0])
                n += 1
            fout.write(' '.join(parts) + '\n')
    return n


def main(argv=None):
    args = parse_args(argv)
    from mmengine.utils import ProgressBar
    rels = find_videos(args.src_dir)
    if not rels:
        print(f'no videos under {args.src_dir}')
        return 1
    opts = dict(gop=args.gop, short_side=args.short_side, crf=args.crf,
                preset=args.preset, tune=args.tune,
                tolerance=args.tolerance)
    jobs = [(osp.join(args.src_dir, r), osp.join(args.dst_dir, dst_name(r)),
             opts) for r in rels]
    records = []
    bar = ProgressBar(len(jobs), file=sys.stdout)
    start = time.time()
    if args.workers > 1:
        with Pool(args.workers) as pool:
            for rec in pool.imap_unordered(process, jobs):
                records.append(rec)
                bar.update()
    else:
        for job in jobs:
            records.append(process(job))
            bar.update()
    elapsed = time.time() - start
    print()
    counts = {k: sum(r['status'] == k for r in records)
              for k in ('encoded', 'skipped', 'failed')}
    print(f"videos: {len(records)}  encoded: {counts['encoded']}  "
          f"skipped (already done): {counts['skipped']}  "
          f"failed: {counts['failed']}  time: {elapsed:.1f}s")
    for r in records:
        if r['status'] == 'failed':
            print(f"FAILED {r['src']}: {r.get('why')}")
    if args.list_in:
        out = args.list_out or osp.splitext(args.list_in)[0] + '_reenc.txt'
        n = rewrite_list(args.list_in, out)
        print(f'list: rewrote {n} entries to {out}')
    return 1 if counts['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
