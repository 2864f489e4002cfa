"""Warm-up and cosine lr schedulers given in learning rates, not ratios.

mmengine's ``LinearLR`` (``start_factor``) and ``CosineAnnealingLR``
(``eta_min_ratio``) take ratios of each parameter group's lr, so the warm-up
start and the floor scale with ``auto_scale_lr`` and layer decay as in the
official recipes. A config that states the ratio as ``warmup_lr / base_lr``
freezes it with its own ``base_lr``, and every child that changes the lr has
to restate the schedulers. These schedulers take the official values
(``start_lr``, ``min_lr``) in the units of the configured lr
(``optim_wrapper.optimizer.lr``) and turn them into mmengine's ratios when
they are built, from the optimizer's default lr, which ``auto_scale_lr`` and
per-group multipliers leave untouched. They are mmengine's schedulers (same
state dict, same steps) with those two arguments.
"""
from mmengine.logging import MMLogger
from mmengine.optim import CosineAnnealingLR, LinearLR
from mmengine.optim.scheduler.param_scheduler import INF

from umt_mm.registry import PARAM_SCHEDULERS


def configured_lr(optimizer) -> float:
    """The lr an optimizer was configured with.

    Args:
        optimizer (Optimizer | BaseOptimWrapper): A torch optimizer or an
            mmengine wrapper of one.

    Returns:
        float: ``defaults['lr']`` of the torch optimizer (its configured
        ``lr``, before ``auto_scale_lr`` and per-group multipliers).
    """
    inner = optimizer
    while not hasattr(inner, 'defaults') and hasattr(inner, 'optimizer'):
        inner = inner.optimizer
    lr = getattr(inner, 'defaults', {}).get('lr', None)
    if not lr:
        raise ValueError(
            f'{type(optimizer).__name__} has no default lr: set '
            'optim_wrapper.optimizer.lr for a scheduler given in lrs '
            '(start_lr / min_lr)')
    return lr


@PARAM_SCHEDULERS.register_module()
class ScaledLinearLR(LinearLR):
    """mmengine's ``LinearLR`` starting from ``start_lr``.

    Args:
        optimizer (Optimizer | BaseOptimWrapper): The wrapped optimizer.
        start_lr (float): The lr the warm-up starts from, in the units of
            ``optim_wrapper.optimizer.lr``; ``start_factor`` is
            ``start_lr / lr``, so each group starts at the same fraction of
            its (auto-scaled, layer-decayed) lr.
        **kwargs: Other arguments of :class:`mmengine.optim.LinearLR`
            (``end_factor``, ``begin``, ``end``, ``by_epoch``...).
    """

    def __init__(self, optimizer, start_lr: float, **kwargs):
        if 'start_factor' in kwargs:
            raise TypeError('ScaledLinearLR takes start_lr, not start_factor')
        super().__init__(
            optimizer, start_factor=start_lr / configured_lr(optimizer),
            **kwargs)


@PARAM_SCHEDULERS.register_module()
class ScaledCosineAnnealingLR(CosineAnnealingLR):
    """mmengine's ``CosineAnnealingLR`` decaying to ``min_lr``.

    Args:
        optimizer (Optimizer | BaseOptimWrapper): The wrapped optimizer.
        min_lr (float): The floor, in the units of
            ``optim_wrapper.optimizer.lr``; ``eta_min_ratio`` is
            ``min_lr / lr``, so each group ends at the same fraction of its
            (auto-scaled, layer-decayed) lr.
        **kwargs: Other arguments of
            :class:`mmengine.optim.CosineAnnealingLR` (``T_max``, ``begin``,
            ``end``, ``by_epoch``...). Without ``end`` the runner ends it at
            ``train_cfg.max_epochs``, and ``T_max`` defaults to
            ``end - begin``. A run that ends before ``begin`` (e.g.
            ``train_cfg.max_epochs=1`` after a longer warm-up) never
            reaches the cosine: it is then built one step long after
            ``begin`` instead of failing, with a warning.
    """

    def __init__(self, optimizer, min_lr: float, **kwargs):
        if 'eta_min' in kwargs or 'eta_min_ratio' in kwargs:
            raise TypeError('ScaledCosineAnnealingLR takes min_lr, not '
                            'eta_min / eta_min_ratio')
        begin, end = kwargs.get('begin', 0), kwargs.get('end', INF)
        if end <= begin:
            MMLogger.get_current_instance().warning(
                f'ScaledCosineAnnealingLR: training ends at {end} before '
                f'the cosine begins at {begin}; it is not used in this run')
            kwargs['end'] = begin + 1
        super().__init__(
            optimizer, eta_min_ratio=min_lr / configured_lr(optimizer),
            **kwargs)
