#!/usr/bin/env python
"""Draw the teacher's attention and the semantic / tube / random masks.

Usage::

    python tools/visualize_masks.py CONFIG CKPT VIDEO [--out DIR]
        [--mask-ratio 0.8] [--seed 0] [--animation gif|mp4|none]
        [--device cpu] [--overwrite] [--cfg-options key=value ...]

CONFIG is a stage-1 config (or zoo name), CKPT its weights, or 'none': the
drawing needs only the CLIP teacher, taken from the checkpoint or from
model.teacher.pretrained. Writes DIR/<video>_masks.png (rows: frames,
attention, one per masker; masked tokens dark) and a GIF/MP4 of the same
frame by frame. See docs/tools.md.
"""
import argparse

from mmengine.config import DictAction

from umt_mm.apis.mask_vis import visualize_masks


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='stage-1 config file or zoo name')
    parser.add_argument('checkpoint', help="weights, or 'none'")
    parser.add_argument('video', help='video file')
    parser.add_argument('--out', default='work_dirs/mask_vis',
                        help='output folder')
    parser.add_argument('--mask-ratio', type=float,
                        help="default: the config's masker")
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--animation', default='gif',
                        choices=['gif', 'mp4', 'none'])
    parser.add_argument('--device', help='default: cuda if present, else cpu')
    parser.add_argument('--overwrite', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    checkpoint = None if args.checkpoint.lower() == 'none' \
        else args.checkpoint
    try:
        files = visualize_masks(args.config, checkpoint, args.video,
                                args.out, args.mask_ratio, args.seed,
                                args.animation, args.device, args.overwrite,
                                args.cfg_options)
    except (ValueError, FileNotFoundError, FileExistsError) as e:
        raise SystemExit(f'error: {e}')
    print('written: ' + ', '.join(files))


if __name__ == '__main__':
    main()
