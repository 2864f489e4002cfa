"""Checkpoint hook: arguments checked when built, no overwriting of another
run's checkpoints, atomic files, rotation after the new file is complete."""
import inspect
import os
import os.path as osp
import re
from collections import deque

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from umt_mm.registry import HOOKS
from .checkpoint_io import write_last_checkpoint


@HOOKS.register_module()
class UMTCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` made safe for long runs.

    Differences, all before the first step or at save time:

    * unknown keyword arguments (e.g. a typo such as ``max_keep_ckpt``)
      raise ``TypeError`` when the hook is built, not at the first save;
    * ``before_train`` checks that the checkpoint directory is writable and
      refuses to start when it holds checkpoints this run would overwrite
      (a new run in a used work dir, or a resume from an older step);
    * the runner writes checkpoints atomically (``UMTRunner``);
      ``last_checkpoint`` is written atomically, relative to the work dir;
      old checkpoints are removed only after the new one is complete.

    Args:
        **kwargs: The arguments of ``mmengine.hooks.CheckpointHook``.
    """

    def __init__(self, *args, **kwargs):
        known = set(inspect.signature(CheckpointHook.__init__).parameters)
        unknown = sorted(set(kwargs) - known)
        if unknown:
            valid = ', '.join(sorted(known - {'self', 'kwargs'}))
            raise TypeError(
                f'default_hooks.checkpoint: unknown argument(s) '
                f'{", ".join(unknown)}; valid ones: {valid}')
        super().__init__(*args, **kwargs)

    def _existing_steps(self):
        pattern = re.escape(self.filename_tmpl).replace(r'\{\}', r'(\d+)')
        steps = []
        if osp.isdir(self.out_dir):
            for name in os.listdir(self.out_dir):
                match = re.fullmatch(pattern, name)
                if match:
                    steps.append(int(match.group(1)))
        return sorted(steps)

    def before_train(self, runner):
        super().before_train(runner)
        self.keep_ckpt_ids = deque(getattr(self, 'keep_ckpt_ids', []))
        probe = osp.join(self.out_dir, f'.write_test{os.getpid()}')
        try:
            os.makedirs(self.out_dir, exist_ok=True)
            with open(probe, 'w'):
                pass
            os.remove(probe)
        except OSError as err:
            raise PermissionError(
                f'checkpoint directory {self.out_dir} is not writable '
                f'({err}); set --work-dir or default_hooks.checkpoint.'
                'out_dir') from err
        current = runner.epoch if self.by_epoch else runner.iter
        later = [s for s in self._existing_steps() if s > current]
        if later:
            names = ', '.join(self.filename_tmpl.format(s) for s in later)
            start = (f'resumes at {"epoch" if self.by_epoch else "iter"} '
                     f'{current}' if current else 'starts a new run')
            raise FileExistsError(
                f'{self.out_dir} already holds {names} of another run and '
                f'this run {start}, so it would overwrite them. Continue '
                'that run with --resume, or use another --work-dir, or '
                'move those files away.')

    def _save_checkpoint_with_step(self, runner, step, meta):
        keep = list(self.keep_ckpt_ids)
        if self.max_keep_ckpts > 0 and (not keep or keep[-1] != step):
            keep.append(step)
        # the saved message hub already lists the new file
        runner.message_hub.update_info('keep_ckpt_ids', keep)
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        self.keep_ckpt_ids = deque(keep)
        if not is_main_process():
            return
        write_last_checkpoint(runner.work_dir, self.last_ckpt)
        # rotate only now that the new checkpoint is complete
        while self.max_keep_ckpts > 0 and \
                len(self.keep_ckpt_ids) > self.max_keep_ckpts:
            old = self.file_backend.join_path(
                self.out_dir,
                self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
            if self.file_backend.isfile(old):
                self.file_backend.remove(old)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))
