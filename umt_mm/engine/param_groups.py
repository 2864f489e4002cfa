"""Merge optimizer parameter groups that share every setting.

mmengine's ``DefaultOptimWrapperConstructor`` (with ``paramwise_cfg``) and
mmpretrain's layer-decay constructor put every parameter in a group of its
own. PyTorch's multi-tensor (foreach) optimizers launch their kernels once
per group, so a ViT-B's ~150 one-tensor groups cost ~150 launches of each
kernel where the few groups that actually differ (decay / no decay, lr
scale per layer) need a handful; the parameter schedulers and the runtime
info hook also walk every group at every iteration. Each parameter's
update is the same either way (bit-identical with AdamW; tested). On the
CPU, AdamW on 60 small tensors: 2.3 ms per step in 60 groups, 1.5 ms in 2.

Optimizer state saved by a run with one group per parameter does not load
into merged groups (a different group count): resume such a run with
``optim_wrapper.merge_param_groups=False``.
"""
from typing import Dict, List

from mmengine.optim import OptimWrapper, OptimWrapperDict

#: group keys that name a parameter rather than set how it is optimised
NAME_KEYS = ('param_name', )


def merge_param_groups(groups: List[dict]) -> List[dict]:
    """Groups with equal settings (every key but ``params`` and
    :data:`NAME_KEYS`) merged, in order of first appearance.

    Args:
        groups (list[dict]): Optimizer parameter groups.

    Returns:
        list[dict]: The merged groups (new dicts; a merged group keeps the
        first group's settings and the names of all its parameters in
        ``param_names`` when the groups had ``param_name``).
    """
    merged: Dict[tuple, dict] = {}
    for group in groups:
        key = tuple(sorted((k, repr(v)) for k, v in group.items()
                           if k != 'params' and k not in NAME_KEYS))
        if key not in merged:
            merged[key] = {k: v for k, v in group.items()
                           if k not in NAME_KEYS}
            merged[key]['params'] = []
            if 'param_name' in group:
                merged[key]['param_names'] = []
        merged[key]['params'] += list(group['params'])
        if 'param_name' in group:
            merged[key]['param_names'].append(group['param_name'])
    return list(merged.values())


def merge_optimizer_groups(optim_wrapper) -> int:
    """Merge the groups of every optimizer of ``optim_wrapper`` in place.

    Only optimizers that have not stepped yet (empty state) are changed.

    Args:
        optim_wrapper (OptimWrapper | OptimWrapperDict): A built wrapper.

    Returns:
        int: Groups removed in total.
    """
    wrappers = optim_wrapper.values() if isinstance(
        optim_wrapper, OptimWrapperDict) else [optim_wrapper]
    removed = 0
    for wrapper in wrappers:
        if not isinstance(wrapper, OptimWrapper):
            continue
        optimizer = wrapper.optimizer
        if len(optimizer.state):
            continue
        groups = merge_param_groups(optimizer.param_groups)
        removed += len(optimizer.param_groups) - len(groups)
        optimizer.param_groups = groups
    return removed
