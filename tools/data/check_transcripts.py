#!/usr/bin/env python
"""Check a TVTSv2 ASR transcript annotation file (word-level timestamps).

Usage: python tools/data/check_transcripts.py ANN [--video-root DIR]

Stops at the first malformed entry, naming the file and the entry (format:
umt_mm/datasets/asr_transcript.py, docs/relatives.md).
"""
import argparse

from umt_mm.datasets.asr_transcript import check_transcript_file


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_file', help='the JSON transcript file')
    parser.add_argument('--video-root', help='check that every video exists '
                        'under this folder')
    args = parser.parse_args(argv)
    try:
        n = check_transcript_file(args.ann_file, args.video_root)
    except (ValueError, FileNotFoundError) as err:
        raise SystemExit(f'error: {err}')
    print(f'{args.ann_file}: {n} transcript entries, all well-formed')


if __name__ == '__main__':
    main()
