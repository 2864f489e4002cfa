#!/usr/bin/env python
"""List the videos of an annotation list that cannot be decoded.

Example::

    python tools/data/check_videos.py data/k400/train_list.txt \
        data/k400/videos --out bad_train.txt --workers 16
    # then train on the good lines only
    grep -vxFf bad_train.txt data/k400/train_list.txt > train_clean.txt

Writes the bad lines verbatim to ``--out`` and prints each with its error.
Interrupted scans resume from ``OUT.progress.jsonl``. Training does not need
a clean list (it replaces up to 1% of bad samples, docs/reliability.md);
testing does.
"""
import argparse
import sys

from umt_mm.datasets.video_check import scan_list


def parse_args():
    parser = argparse.ArgumentParser(
        description='List the undecodable videos of an annotation list')
    parser.add_argument('list', help='annotation list (path label lines)')
    parser.add_argument('root', help='directory the list paths are under')
    parser.add_argument('--out', default='bad_videos.txt',
                        help='file receiving the bad lines')
    parser.add_argument('--workers', type=int, default=4,
                        help='parallel processes')
    parser.add_argument('--full', action='store_true',
                        help='decode every frame (slower, catches damage '
                        'between the first, middle and last frames)')
    parser.add_argument('--delimiter', default=' ',
                        help='field delimiter of the list')
    return parser.parse_args()


def main():
    args = parse_args()
    bad = scan_list(args.list, args.root, args.out, workers=args.workers,
                    full=args.full, delimiter=args.delimiter)
    for number, line, problem in bad:
        print(f'{args.list}:{number}: {line}: {problem}')
    print(f'{len(bad)} bad line(s) written to {args.out}')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
