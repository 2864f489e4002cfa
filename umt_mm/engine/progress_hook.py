"""A progress bar over the batches of validation and testing."""
import sys
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from ..registry import HOOKS


@HOOKS.register_module()
class ProgressBarHook(Hook):
    """A tqdm bar on stderr counting this rank's batches of every
    validation and test epoch (training reports its ETA in the log).
    Shown on the main process only; refreshed every 30 s when stderr is not
    a terminal.

    Args:
        phases (tuple[str]): Loops with a bar, among ``'val'`` and
            ``'test'``. Defaults to ('val', 'test').
    """

    priority = 'VERY_LOW'

    def __init__(self, phases: tuple = ('val', 'test')) -> None:
        unknown = set(phases) - {'val', 'test'}
        if unknown:
            raise ValueError(f"phases must be among 'val', 'test'; got "
                             f'{sorted(unknown)}')
        self.phases = tuple(phases)
        self._bar: Optional[object] = None

    def _open(self, runner, phase: str) -> None:
        if phase not in self.phases or not is_main_process():
            return
        from tqdm import tqdm
        loader = getattr(runner, f'{phase}_loop').dataloader
        self._bar = tqdm(total=len(loader), desc=phase, unit='batch',
                         file=sys.stderr, leave=True,
                         mininterval=0.5 if sys.stderr.isatty() else 30)

    def _step(self) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def before_val_epoch(self, runner) -> None:
        self._open(runner, 'val')

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None) -> None:
        self._step()

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._close()

    def before_test_epoch(self, runner) -> None:
        self._open(runner, 'test')

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        self._step()

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._close()
