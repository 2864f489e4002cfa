"""Log what the teacher sees during stage-1 training."""
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.logging import MMLogger

from ..registry import HOOKS


@HOOKS.register_module()
class MaskVisualizationHook(Hook):
    """Every ``interval`` iterations, draw the first clip of the batch with
    the teacher's class-token attention and the masks of the semantic, tube
    and random maskers (:func:`umt_mm.apis.mask_vis.render_grid`) and hand
    it to the runner's visualizer as image ``'umt_masks'`` (LocalVisBackend:
    ``vis_data/vis_image/umt_masks_<iter>.png``; TensorBoard: the Images
    tab). The masks are drawn again with a forked random state, so training
    randomness is unchanged; one extra teacher forward per drawing.

    Args:
        interval (int): Iterations between drawings. Defaults to 500.
        mask_ratio (float, optional): Defaults to the model masker's.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 500,
                 mask_ratio: Optional[float] = None) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.interval = interval
        self.mask_ratio = mask_ratio

    def before_train(self, runner) -> None:
        from ..apis.mask_vis import check_stage1, unwrap
        check_stage1(unwrap(runner.model), 'MaskVisualizationHook: the model')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if not is_main_process() or data_batch is None or not (
                runner.iter == 0 or self.every_n_train_iters(
                    runner, self.interval)):
            return
        from ..apis.mask_vis import (batch_clip, mask_panels, render_grid,
                                     unwrap)
        model = unwrap(runner.model)
        frames, clip = batch_clip(model, data_batch['inputs'],
                                  data_batch.get('data_samples'))
        panels = mask_panels(model, clip, self.mask_ratio, seed=runner.iter)
        runner.visualizer.add_image('umt_masks', render_grid(frames, panels),
                                    step=runner.iter + 1)
        MMLogger.get_current_instance().debug(
            f'MaskVisualizationHook: drew the masks of iteration '
            f'{runner.iter + 1}')
