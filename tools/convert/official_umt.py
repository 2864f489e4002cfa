"""Convert an official UMT checkpoint into a umt_mm checkpoint.

Usage: python tools/convert/official_umt.py SRC DST [--layout LAYOUT]
    [--config CONFIG]

LAYOUT: auto (default, detected from the keys) or a registered layout
(``--help`` lists them: stage1, stage2 for multi-modality b16_5m.pth ...,
ava, finetune, mmaction_umt, clip, and any added in
``umt_mm/checkpoint/layouts/``).

The converted file holds ``{'state_dict': ..., 'meta': ...}`` and loads with
``load_from=DST`` (or ``tools/test.py CONFIG DST``). With ``--config`` the
converted weights are first loaded into that config's model with
:func:`umt_mm.checkpoint.load_weights` (shape mismatches, and keys outside
the layout's allow-lists, are errors; nothing is written then).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from umt_mm.checkpoint import (LAYOUTS, convert_layout,  # noqa: E402
                               get_layout, load_weights, read_state_dict,
                               save_checkpoint_atomic)


def check_against_config(state, layout, config, src):
    """Load ``state`` into ``config``'s (randomly initialised) model."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from umt_mm.registry import MODELS
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model)
    load_weights(model, state, layout='umt_mm', source=f'{src} ({layout})',
                 allow_missing=get_layout(layout).allow_missing)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output umt_mm checkpoint')
    parser.add_argument('--layout', default='auto',
                        choices=['auto'] + sorted(LAYOUTS))
    parser.add_argument('--config', help='check the result against the '
                        'model of this config before writing')
    args = parser.parse_args(argv)
    layout, converted = convert_layout(read_state_dict(args.src),
                                       args.layout)
    if args.config:
        check_against_config(converted, layout, args.config, args.src)
    meta = dict(converted_from=osp.basename(args.src), layout=layout)
    save_checkpoint_atomic(dict(state_dict=converted, meta=meta), args.dst)
    print(f'{args.src} ({layout}, {len(converted)} tensors) -> {args.dst}')


if __name__ == '__main__':
    main()
