#!/usr/bin/env python
"""Convert a video dataset once into frame shards for fast training input.

Example (K710, 16 processes; the list file keeps its video paths)::

    python tools/data/prepare_frame_shards.py data/k710/videos \
        data/k710/frames --list data/k710/k710_train_list_videos.txt \
        --codec jpeg --quality 90 --workers 16

Rerunning resumes (finished shards are skipped); ``--verify`` checks every
shard's size and SHA-256 against the manifest instead. Train from the result
with ``configs/_base_/datasets/k710_stage1_prepared.py`` (docs/benchmark.md).
"""
import argparse
import os.path as osp
import sys


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src_root', help='root of the source videos')
    p.add_argument('out_root', help='output directory of the shards')
    p.add_argument('--list', help='mmaction2 list file (path label) of the '
                   'videos to convert; default: every video under src_root')
    p.add_argument('--codec', default='jpeg',
                   choices=['jpeg', 'webp', 'png', 'h264'])
    p.add_argument('--quality', type=int,
                   help='JPEG/WebP quality (default 90); h264: x264 CRF '
                   '(default 23)')
    p.add_argument('--gop', type=int, default=4,
                   help='h264: keyframe interval in frames')
    p.add_argument('--short-side', type=int, default=0,
                   help='downscale larger frames to this short side '
                   '(0: keep)')
    p.add_argument('--subsampling', default='420',
                   choices=['420', '422', '444'],
                   help='JPEG chroma subsampling')
    p.add_argument('--videos-per-shard', type=int, default=64)
    p.add_argument('--workers', type=int, default=1)
    p.add_argument('--verify', action='store_true',
                   help='only check the shards of out_root (size, SHA-256)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from umt_mm.datasets.frame_shards import verify_root
    from umt_mm.datasets.prepare import keys_from_list, prepare_frame_shards
    if args.verify:
        errors = verify_root(args.out_root)
        print('\n'.join(errors) or f'{args.out_root}: all shards verified')
        return 1 if errors else 0
    keys = keys_from_list(args.list) if args.list else None
    quality = args.quality if args.quality is not None else (
        23 if args.codec == 'h264' else 90)
    m = prepare_frame_shards(args.src_root, args.out_root, keys, args.codec,
                             quality, args.short_side,
                             args.videos_per_shard, args.workers,
                             subsampling=args.subsampling, gop=args.gop)
    c, s = m['counts'], m['sizes']
    print(f"\nvideos: {c['videos']}  converted: {c['converted']}  failed: "
          f"{c['failed']}  frames: {c['frames']}  shards: {c['shards']}")
    print(f"size: {s['prepared_bytes'] / 2**20:.1f} MiB prepared vs "
          f"{s['source_bytes'] / 2**20:.1f} MiB source "
          f"(x{s['multiplier']})")
    for r in m['failed']:
        print(f"FAILED {r['key']}: {r['error']}")
    print(f"manifest: {osp.join(args.out_root, 'manifest.json')}")
    return 1 if c['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
