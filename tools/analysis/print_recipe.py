"""Print the effective recipe of configs (lr after auto-scaling and repeated
sampling, warm-up / floor lr, epochs, views, precision, ...).

Examples::

    python tools/analysis/print_recipe.py \
        configs/umt/umt-large-p16-res224_k710-pre_u8_k400-rgb.py --gpus 8
    python tools/analysis/print_recipe.py --docs docs/recipes.md
"""
import argparse

from umt_mm.engine.recipe import (DOC_TAIL_MARK, format_recipe,
                                  recipes_doc_update, resolve_recipe)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('configs', nargs='*', help='config files')
    parser.add_argument('--gpus', type=int, default=None,
                        help='training processes (default: the official '
                        'number of the config, else 1)')
    parser.add_argument('--docs', metavar='MD',
                        help='rewrite the table of this markdown file (e.g. '
                        'docs/recipes.md) from every paper config; text '
                        f'after a line "{DOC_TAIL_MARK}" is kept')
    return parser.parse_args()


def main():
    args = parse_args()
    if not args.configs and not args.docs:
        raise SystemExit('give CONFIG files and/or --docs MD')
    for i, path in enumerate(args.configs):
        if i:
            print()
        print(format_recipe(resolve_recipe(path, args.gpus)))
    if args.docs:
        recipes_doc_update(args.docs)
        print(f'wrote {args.docs}')


if __name__ == '__main__':
    main()
