#!/usr/bin/env python
"""Export a UMT recognizer or stage-2 video encoder to ONNX.

Usage::

    python tools/deployment/export_onnx.py CONFIG CKPT [--out FILE]
        [--part auto|recognizer|video_encoder] [--opset 17]
        [--no-verify] [--atol 1e-4] [--overwrite]
        [--cfg-options key=value ...]

Input ``video`` (batch, 3, T, H, W), RGB in [0, 255] (normalisation is in
the graph), dynamic batch; output ``scores`` (recognizer logits) or
``embedding`` (stage-2 retrieval embedding). By default the file is run
with onnxruntime on CPU and compared with PyTorch. See docs/tools.md.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from umt_mm.apis.onnx_export import PARTS, export_onnx


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file or model-zoo name')
    parser.add_argument('checkpoint', help="weights, or 'none'")
    parser.add_argument('--out', help='ONNX file (default: '
                        'work_dirs/onnx/<config name>.onnx)')
    parser.add_argument('--part', default='auto',
                        choices=('auto', ) + PARTS)
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--no-verify', action='store_true',
                        help='skip the onnxruntime comparison')
    parser.add_argument('--atol', type=float, default=1e-4)
    parser.add_argument('--overwrite', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    name = osp.splitext(osp.basename(args.config))[0]
    out = args.out or osp.join('work_dirs', 'onnx', name + '.onnx')
    checkpoint = None if args.checkpoint.lower() == 'none' \
        else args.checkpoint
    try:
        res = export_onnx(args.config, checkpoint, out, args.part,
                          args.opset, args.overwrite, not args.no_verify,
                          args.atol, args.cfg_options)
    except (ValueError, FileNotFoundError, FileExistsError,
            ImportError) as e:
        raise SystemExit(f'error: {e}')
    msg = (f'{res["part"]} -> {res["file"]}: input video (batch, '
           f'{", ".join(map(str, res["input_shape"]))}), output '
           f'{res["output"]}')
    if 'max_abs_diff' in res:
        msg += f'; onnxruntime vs PyTorch max |diff| {res["max_abs_diff"]:.2e}'
    print(msg)


if __name__ == '__main__':
    main()
