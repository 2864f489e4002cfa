#!/usr/bin/env python
"""Offline AVA frame-mAP@0.5 of a detection CSV.

Usage::

    python tools/analysis/eval_ava.py PRED_CSV GT_CSV LABEL_MAP \
        [--exclude EXCLUDED_TIMESTAMPS_CSV] [--custom-classes 12 17 79] \
        [--missing-as-zero] [--out metrics.json]

``PRED_CSV`` rows: ``video_id,timestamp,x1,y1,x2,y2,action_id,score`` (what
``AVAMetric`` / ``tools/infer_ava.py --csv`` write); ``GT_CSV`` is an AVA
annotation file; ``LABEL_MAP`` the ``.pbtxt`` label map (its classes are the
ones evaluated). Built from mmaction2's ``ava_utils`` (``read_csv``,
``tpfp_single``, the ActivityNet precision/recall and VOC AP), matching
``AVAMetric`` / ``ava_eval(ignore_empty_frames=True)``: only frames with
ground truth are scored, classes with ground truth but no detection are left
out of the mean (``--missing-as-zero`` counts them as AP 0 instead), classes
with detections but no ground truth give NaN and are left out too. One
difference: excluded frames do not count towards a class's ground truth here
(as in the ActivityNet evaluator); ``ava_eval`` counts them, which only
matters when the exclusion file lists annotated frames. Prints the overall
mAP and the AP of every class.
"""
import argparse
import json
import os.path as osp
import sys
from collections import defaultdict

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from mmaction.evaluation.functional import ava_utils  # noqa: E402
from mmaction.evaluation.functional.ava_evaluation import metrics  # noqa: E402

import umt_mm  # noqa: E402,F401  (numpy 2 aliases used by mmaction's code)


def evaluate_ava(pred_csv, gt_csv, label_map, exclude=None,
                 custom_classes=None, missing_as_zero=False, iou_thr=0.5):
    """Frame mAP of ``pred_csv`` against ``gt_csv``.

    Returns:
        dict: ``mAP`` (nan-mean over the evaluated classes) and ``per_class``,
        a list of ``dict(id, name, ap, num_gt, num_det)`` in label-map order
        (``ap`` None when the class was not evaluated).
    """
    with open(label_map) as f:
        categories, whitelist = ava_utils.read_labelmap(f)
    if custom_classes:
        missing = set(custom_classes) - whitelist
        if missing:
            raise ValueError(f'custom classes {sorted(missing)} are not in '
                             f'{label_map}')
        whitelist = set(custom_classes)
        categories = [c for c in categories if c['id'] in whitelist]
    with open(gt_csv) as f:
        gt_boxes, gt_labels, _ = ava_utils.read_csv(f, whitelist)
    with open(pred_csv) as f:
        boxes, labels, scores = ava_utils.read_csv(f, whitelist)
    excluded = set()
    if exclude:
        with open(exclude) as f:
            excluded = ava_utils.read_exclusions(f)

    gt_count = defaultdict(int)
    for key, labs in gt_labels.items():
        if key in excluded:
            continue
        for lab in labs:
            gt_count[lab] += 1
    det_scores, det_tpfp = defaultdict(list), defaultdict(list)
    for key in gt_boxes:  # ignore_empty_frames: frames with ground truth
        if key in excluded:
            continue
        score, tpfp = ava_utils.tpfp_single(
            (gt_boxes[key], gt_labels[key], boxes[key], labels[key],
             scores[key]), iou_thr)
        for lab in score:
            det_scores[lab].append(score[lab])
            det_tpfp[lab].append(tpfp[lab])

    per_class = []
    for cat in categories:
        k = cat['id']
        num_det = int(sum(len(s) for s in det_scores.get(k, [])))
        ap = None
        if k in det_scores:
            precision, recall = metrics.compute_precision_recall(
                np.concatenate(det_scores[k]), np.concatenate(det_tpfp[k]),
                gt_count[k])
            ap = float(metrics.compute_average_precision(precision, recall))
        elif missing_as_zero and gt_count[k] > 0:
            ap = 0.
        per_class.append(
            dict(id=k, name=cat['name'], ap=ap, num_gt=int(gt_count[k]),
                 num_det=num_det))
    aps = [c['ap'] for c in per_class if c['ap'] is not None]
    overall = float(np.nanmean(aps)) if aps and not np.all(np.isnan(aps)) \
        else float('nan')
    return dict(mAP=overall, per_class=per_class)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('pred_csv')
    parser.add_argument('gt_csv')
    parser.add_argument('label_map')
    parser.add_argument('--exclude', help='excluded timestamps csv')
    parser.add_argument('--custom-classes', type=int, nargs='+',
                        help='evaluate only these action ids')
    parser.add_argument('--missing-as-zero', action='store_true',
                        help='classes with ground truth but no detection '
                        'count as AP 0 (mmaction2 leaves them out)')
    parser.add_argument('--iou-thr', type=float, default=0.5)
    parser.add_argument('--out', help='also write the metrics as json')
    args = parser.parse_args(argv)
    res = evaluate_ava(args.pred_csv, args.gt_csv, args.label_map,
                       args.exclude, args.custom_classes,
                       args.missing_as_zero, args.iou_thr)
    print('Per-class AP@%.2f:' % args.iou_thr)
    for c in res['per_class']:
        ap = 'n/a (no detection)' if c['ap'] is None else (
            'nan (no ground truth)' if np.isnan(c['ap']) else f"{c['ap']:.4f}")
        print(f"  {c['id']:3d} {c['name']}: {ap}  "
              f"(gt {c['num_gt']}, det {c['num_det']})")
    print(f"Overall frame mAP@{args.iou_thr:.2f}: {res['mAP']:.4f}")
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(res, f, indent=2)
    return res


if __name__ == '__main__':
    main()
