#!/usr/bin/env python
"""Check a video-language annotation file (official UMT JSON formats).

Usage: python tools/data/check_annotations.py ANN KIND [--video-root DIR]
       [--answer-list FILE]

KIND: caption (retrieval / caption corpora), qa, mc. Stops at the first
malformed entry, naming the file and the entry (docs/video_language.md).
"""
import argparse

from umt_mm.datasets.video_language import (ANNOTATION_KINDS,
                                            check_annotation_file)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_file', help='the JSON annotation file')
    parser.add_argument('kind', choices=sorted(ANNOTATION_KINDS))
    parser.add_argument('--video-root', help='check that every video exists '
                        'under this folder')
    parser.add_argument('--answer-list', help='QA: every answer must be in '
                        'this JSON answer list')
    args = parser.parse_args(argv)
    try:
        n = check_annotation_file(args.ann_file, args.kind, args.video_root,
                                  args.answer_list)
    except (ValueError, FileNotFoundError) as err:
        raise SystemExit(f'error: {err}')
    print(f'{args.ann_file}: {n} {args.kind} entries, all well-formed')


if __name__ == '__main__':
    main()
