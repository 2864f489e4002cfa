#!/usr/bin/env python
"""Annotation lists for your own videos (mmaction2 VideoDataset format).

Usage::

    python tools/data/build_file_list.py ROOT [--csv FILE] [--out DIR]
        [--val-ratio 0.2] [--seed 0] [--workers N] [--overwrite]

ROOT holds one folder per class (ROOT/<class>/<video>), or videos listed
by --csv (``path,label`` rows). Every video is opened; the readable ones
are split per class into DIR/train_list.txt and DIR/val_list.txt (paths
relative to ROOT), classes go to DIR/label_map.txt and unreadable videos
to DIR/bad_videos.txt. DIR defaults to ROOT. See docs/custom_data.md.
"""
import argparse

from umt_mm.apis.file_list import build_file_list


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='folder of the videos')
    parser.add_argument('--csv', help='CSV of path,label rows')
    parser.add_argument('--out', help='output folder (default: ROOT)')
    parser.add_argument('--val-ratio', type=float, default=0.2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--workers', type=int, default=1,
                        help='processes opening the videos')
    parser.add_argument('--delimiter', default=' ',
                        help='list separator (VideoDataset delimiter)')
    parser.add_argument('--overwrite', action='store_true')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        res = build_file_list(args.root, args.csv, args.out, args.val_ratio,
                              args.seed, args.workers, args.delimiter,
                              args.overwrite)
    except (ValueError, FileNotFoundError, FileExistsError) as e:
        raise SystemExit(f'error: {e}')
    print(f'{len(res["classes"])} classes, {res["train"]} train / '
          f'{res["val"]} val videos, {len(res["bad"])} not readable')
    for path, reason in res['bad']:
        print(f'  skipped {path}: {reason}')
    print('written: ' + ', '.join(res['files']))


if __name__ == '__main__':
    main()
