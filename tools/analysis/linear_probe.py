#!/usr/bin/env python
"""Linear probe of a frozen UMT backbone (TVTSv2-style out-of-the-box eval).

The recognizer backbone of a recognition CONFIG is initialised from CKPT
through the ``umt://`` loader (a stage-1, stage-2 or recognizer checkpoint:
only the student is taken), frozen (``eval()``, ``requires_grad=False``) and
run ONCE over the config's train and val (else test) dataloaders. The
mean-pooled token features (averaged over the views of a sample) are cached
in ``<work-dir>/features_{train,val}.pt`` together with a key of the
checkpoint (resolved path, size, mtime) and of the config parts they depend
on (backbone, data preprocessor, dataset); a later run with the same key
reuses them. Then a linear classifier is trained on the cached features:
``BatchNorm1d(affine=False)`` + ``Linear`` (MAE's linear probe: the
non-affine BN only standardises the raw, un-normed features and folds into
the linear layer), SGD (momentum 0.9) or AdamW with a cosine schedule.

Examples::

    python tools/analysis/linear_probe.py configs/umt/linear-probe_demo.py \
        work_dirs/stage1_demo/epoch_5.pth --work-dir work_dirs/lp_demo
    python tools/analysis/linear_probe.py \
        configs/umt/linear-probe_umt-base_k400.py stage2_b5m.pth --epochs 50

Defaults of epochs / lr / batch size / optimizer / weight decay come from
the config's ``linear_probe`` dict, then from the command line. Prints
top-1 / top-5 on the val split and writes ``<work-dir>/linear_probe.json``.
"""
import argparse
import hashlib
import json
import math
import os
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import torch  # noqa: E402
from mmaction.evaluation.functional import top_k_accuracy  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402
from torch import nn  # noqa: E402

import umt_mm  # noqa: E402,F401  (compat fixes + registration first)
from umt_mm.checkpoint import UMT_SCHEME, save_checkpoint_atomic  # noqa: E402

DEFAULTS = dict(epochs=100, lr=0.1, batch_size=256, optimizer='sgd',
                weight_decay=0.)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Linear probe of a frozen UMT backbone')
    parser.add_argument('config', help='recognition config')
    parser.add_argument('checkpoint', help='stage-1 / stage-2 / recognizer '
                        'checkpoint (anything umt:// loads)')
    parser.add_argument('--work-dir', help='feature cache and results; '
                        'default work_dirs/<config stem>')
    parser.add_argument('--epochs', type=int)
    parser.add_argument('--lr', type=float)
    parser.add_argument('--batch-size', type=int)
    parser.add_argument('--optimizer', choices=['sgd', 'adamw'])
    parser.add_argument('--weight-decay', type=float)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--device', default=None,
                        help='default: cuda if available, else cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value pairs')
    return parser.parse_args(argv)


def build_frozen_backbone(cfg, checkpoint, device='cpu'):
    """``(data_preprocessor, backbone)`` of ``cfg.model``, the backbone
    loaded from ``checkpoint`` by the ``umt://`` loader and frozen."""
    from mmaction.registry import MODELS
    model_cfg = cfg.model.copy()
    model_cfg.backbone = dict(model_cfg.backbone, init_cfg=dict(
        type='Pretrained', checkpoint=checkpoint if checkpoint.startswith(
            UMT_SCHEME) else UMT_SCHEME + checkpoint))
    if model_cfg.get('data_preprocessor'):
        model_cfg.data_preprocessor = dict(model_cfg.data_preprocessor,
                                           blending=None)
    model = MODELS.build(model_cfg)
    model.backbone.init_weights()
    backbone = model.backbone.to(device).eval()
    backbone.requires_grad_(False)
    return model.data_preprocessor.to(device).eval(), backbone


def cache_key(cfg, checkpoint, split_cfg):
    """Hash of what the cached features depend on: the checkpoint file
    (resolved path, size, mtime) and the backbone / preprocessor / dataset
    settings."""
    path = checkpoint[len(UMT_SCHEME):] if checkpoint.startswith(
        UMT_SCHEME) else checkpoint
    stat = os.stat(path)
    parts = dict(ckpt=[osp.realpath(path), stat.st_size, stat.st_mtime_ns],
                 backbone=cfg.model.backbone,
                 preprocessor=cfg.model.get('data_preprocessor'),
                 dataset=split_cfg.dataset)
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@torch.no_grad()
def extract_features(preprocessor, backbone, dataloader):
    """Mean-pooled tokens ``(N, C)`` (views averaged) and labels ``(N,)``."""
    feats, labels = [], []
    bar = ProgressBar(len(dataloader.dataset))
    for data in dataloader:
        data = preprocessor(data, training=False)
        inputs = data['inputs']  # (B, V, C, T, H, W)
        B, V = inputs.shape[:2]
        x = backbone(inputs.flatten(0, 1))
        x = x.flatten(2).mean(-1) if x.dim() == 5 else x.mean(1)
        feats.append(x.view(B, V, -1).mean(1).float().cpu())
        labels += [int(s.gt_label) for s in data['data_samples']]
        bar.update(B)
    sys.stdout.write('\n')
    return torch.cat(feats), torch.tensor(labels)


def cached_features(cfg, split, split_cfg, checkpoint, work_dir, get_models,
                    logger):
    """Load ``features_<split>.pt`` when its key matches, else extract and
    write it atomically."""
    path = osp.join(work_dir, f'features_{split}.pt')
    key = cache_key(cfg, checkpoint, split_cfg)
    if osp.isfile(path):
        cached = torch.load(path, map_location='cpu')
        if cached.get('key') == key:
            logger.info(f'Reusing cached {split} features {path} '
                        f'{tuple(cached["features"].shape)}')
            return cached['features'], cached['labels']
        logger.info(f'{path} was computed for another checkpoint/config; '
                    're-extracting')
    logger.info(f'Extracting {split} features')
    preprocessor, backbone = get_models()
    feats, labels = extract_features(
        preprocessor, backbone, Runner.build_dataloader(split_cfg))
    save_checkpoint_atomic(dict(key=key, features=feats, labels=labels), path)
    logger.info(f'Cached {split} features {tuple(feats.shape)} to {path}')
    return feats, labels


def train_linear(feats, labels, num_classes, epochs, lr, batch_size,
                 optimizer='sgd', weight_decay=0., device='cpu',
                 logger=None, seed=0):
    """Non-affine BatchNorm + Linear trained with cross-entropy."""
    torch.manual_seed(seed)
    clf = nn.Sequential(
        nn.BatchNorm1d(feats.shape[1], affine=False, eps=1e-6),
        nn.Linear(feats.shape[1], num_classes)).to(device)
    nn.init.trunc_normal_(clf[1].weight, std=0.01)  # as MAE
    nn.init.zeros_(clf[1].bias)
    if optimizer == 'sgd':
        optim = torch.optim.SGD(clf.parameters(), lr=lr, momentum=0.9,
                                weight_decay=weight_decay)
    else:
        optim = torch.optim.AdamW(clf.parameters(), lr=lr,
                                  weight_decay=weight_decay)
    steps = epochs * math.ceil(len(feats) / batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(optim, max(steps, 1))
    feats, labels = feats.to(device), labels.to(device)
    for epoch in range(epochs):
        clf.train()
        total = 0.
        for idx in torch.randperm(len(feats)).split(batch_size):
            if len(idx) < 2 and len(feats) > 1:
                continue  # BatchNorm needs 2 samples in training mode
            loss = nn.functional.cross_entropy(clf(feats[idx]), labels[idx])
            optim.zero_grad()
            loss.backward()
            optim.step()
            sched.step()
            total += loss.item() * len(idx)
        if logger is not None:
            logger.info(f'Epoch [{epoch + 1}/{epochs}] loss: '
                        f'{total / len(feats):.4f} '
                        f'lr: {sched.get_last_lr()[0]:.3e}')
    return clf.eval()


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    os.makedirs(work_dir, exist_ok=True)
    logger = MMLogger.get_instance(
        'linear_probe', log_file=osp.join(work_dir, 'linear_probe.log'))
    opts = dict(DEFAULTS, **cfg.get('linear_probe', {}))
    for name in DEFAULTS:
        if getattr(args, name) is not None:
            opts[name] = getattr(args, name)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')

    models = []  # built lazily: not at all when both caches are reused

    def get_models():
        if not models:
            models.extend(build_frozen_backbone(cfg, args.checkpoint, device))
        return models

    val_cfg = cfg.get('val_dataloader') or cfg.test_dataloader
    train_x, train_y = cached_features(cfg, 'train', cfg.train_dataloader,
                                       args.checkpoint, work_dir, get_models,
                                       logger)
    val_x, val_y = cached_features(cfg, 'val', val_cfg, args.checkpoint,
                                   work_dir, get_models, logger)
    num_classes = cfg.model.get('cls_head', {}).get('num_classes') or int(
        max(train_y.max(), val_y.max())) + 1
    logger.info(f'Training a linear probe: {len(train_x)} x '
                f'{train_x.shape[1]} features, {num_classes} classes, {opts}')
    clf = train_linear(train_x, train_y, num_classes, device=device,
                       logger=logger, seed=args.seed, **opts)
    with torch.no_grad():
        scores = clf(val_x.to(device)).cpu().numpy()
    top1, top5 = top_k_accuracy(scores, val_y.tolist(), (1, 5))
    result = dict(config=args.config, checkpoint=args.checkpoint,
                  num_train=len(train_x), num_val=len(val_x),
                  feature_dim=int(train_x.shape[1]), num_classes=num_classes,
                  classifier='BatchNorm1d(affine=False) + Linear',
                  top1=float(top1), top5=float(top5), **opts)
    out = osp.join(work_dir, 'linear_probe.json')
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    print(f'Checkpoint: {args.checkpoint}')
    print(f'top1: {top1:.4f}')
    print(f'top5: {top5:.4f}')
    print(f'Results written to {out}')
    return result


if __name__ == '__main__':
    main()
