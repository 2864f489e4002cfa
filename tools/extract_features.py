#!/usr/bin/env python
"""Extract UMT features of many videos, one file per video.

Usage::

    python tools/extract_features.py CONFIG CKPT --videos LIST_OR_DIR
        --out DIR [--features clip frames tokens views] [--format npy|pt]
        [--num-clips N] [--clip-len T] [--frame-interval K]
        [--crops center|three|ten] [--workers P] [--devices cuda:0 cuda:1]
        [--root DIR] [--overwrite] [--cfg-options key=value ...]

CONFIG is a config file or a model-zoo name (``umt_mm.apis.list_models``);
CKPT a weight file in any supported layout. Finished videos are skipped
(rerun to resume); failures are listed in DIR/failures.txt. See
docs/tools.md.
"""
import argparse
import sys

from mmengine.config import DictAction

from umt_mm.apis.features import CROPS, FEATURE_KINDS, extract_features


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file or model-zoo name')
    parser.add_argument('checkpoint', help='weights (any supported layout)')
    parser.add_argument('--videos', required=True,
                        help='folder of videos or list file (path first)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--root', help='base of relative paths in a list '
                        "(default: the list's folder)")
    parser.add_argument('--features', nargs='+', default=['clip'],
                        choices=FEATURE_KINDS)
    parser.add_argument('--format', default='npy', choices=['npy', 'pt'])
    parser.add_argument('--num-clips', type=int)
    parser.add_argument('--clip-len', type=int)
    parser.add_argument('--frame-interval', type=int)
    parser.add_argument('--crops', choices=sorted(CROPS))
    parser.add_argument('--workers', type=int, default=1,
                        help='processes, each with its own model')
    parser.add_argument('--devices', nargs='+',
                        help='devices given to the workers in turn '
                        '(default: every GPU, else cpu)')
    parser.add_argument('--overwrite', action='store_true',
                        help='recompute and overwrite existing outputs')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        summary = extract_features(
            args.config, args.checkpoint, args.videos, args.out,
            features=args.features, fmt=args.format, root=args.root,
            workers=args.workers, devices=args.devices,
            overwrite=args.overwrite, cfg_options=args.cfg_options,
            num_clips=args.num_clips, clip_len=args.clip_len,
            frame_interval=args.frame_interval, crops=args.crops)
    except (ValueError, FileNotFoundError, FileExistsError) as e:
        raise SystemExit(f'error: {e}')
    print(f'{summary["total"]} videos: {summary["done"]} extracted, '
          f'{summary["skipped"]} already done, {len(summary["failed"])} '
          f'failed -> {args.out}')
    for path, error in summary['failed']:
        print(f'  failed: {path}: {error}')
    if summary['failed']:
        sys.exit(1)


if __name__ == '__main__':
    main()
