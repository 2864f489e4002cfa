#!/usr/bin/env python
"""Top-5 action labels of one video with a trained umt_mm recognizer.

Usage::

    python tools/infer.py VIDEO CONFIG CHECKPOINT [--label-map FILE]
        [--device cpu] [--cfg-options key=value ...]

Runs the config's ``test_pipeline`` (all its views, averaged as the head's
``average_clips`` says) through mmaction2's ``init_recognizer`` /
``inference_recognizer``; the checkpoint is loaded with
:func:`umt_mm.checkpoint.load_weights` (shape or key mismatches are
errors). ``--label-map``: one class name per line (e.g.
``data/demo/classes.txt``,
``configs/umt/k710_channel_map/label_map_k710.txt``); without it class
indices are printed.
"""
import argparse
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import torch  # noqa: E402
from mmaction.apis import inference_recognizer, init_recognizer  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402

import umt_mm  # noqa: E402,F401  (compat fixes + registration first)
from umt_mm.checkpoint import load_weights  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('video', help='video file')
    parser.add_argument('config', help='recognizer config')
    parser.add_argument('checkpoint', help='recognizer checkpoint')
    parser.add_argument('--label-map', help='class names, one per line')
    parser.add_argument('--device', default=None,
                        help="'cpu' or 'cuda:0' (default: cuda if present)")
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    return parser.parse_args(argv)


def read_label_map(path, num_classes):
    with open(path) as f:
        names = [line.strip() for line in f if line.strip()]
    if len(names) != num_classes:
        raise SystemExit(f'{path} lists {len(names)} classes but the model '
                         f'predicts {num_classes}')
    return names


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.video):
        raise SystemExit(f'video not found: {args.video}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.get('test_pipeline') is None:
        raise SystemExit(f'{args.config} defines no test_pipeline')
    device = args.device or ('cuda:0' if torch.cuda.is_available() else 'cpu')
    model = init_recognizer(cfg, None, device='cpu')
    # strict: a checkpoint of another shape or layout is refused
    load_weights(model, args.checkpoint)
    model.to(device)
    result = inference_recognizer(model, args.video)
    scores = result.pred_score.float().cpu()
    names = read_label_map(args.label_map, scores.numel()) \
        if args.label_map else [str(i) for i in range(scores.numel())]
    top = scores.topk(min(args.topk, scores.numel()))
    print(f'{args.video}: top-{len(top.indices)} of {scores.numel()} classes')
    for rank, (score, idx) in enumerate(zip(top.values, top.indices), 1):
        print(f'{rank}. {names[idx]}: {score.item():.4f}')


if __name__ == '__main__':
    main()
