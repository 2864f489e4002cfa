"""Training loops (epoch- and iteration-based) that resume exactly, mid-epoch
included, and bound the samples replaced by
:class:`~umt_mm.datasets.GuardedDataset`."""

import torch
from mmengine.dataset import InfiniteSampler
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
from torch.utils.data import BatchSampler

from umt_mm.datasets.guarded import (collect_bad_samples, derive_seed,
                                     seed_everything)
from umt_mm.registry import LOOPS


def data_sampler(loader):
    """The sampler that holds the seed and epoch of a dataloader: the batch
    sampler's ``sampler`` when a batch sampler wraps one, else
    ``loader.sampler``.

    Args:
        loader (DataLoader): The dataloader.

    Returns:
        Sampler: The sampler.
    """
    inner = getattr(getattr(loader, 'batch_sampler', None), 'sampler', None)
    if inner is not None and hasattr(inner, 'set_epoch'):
        return inner
    return loader.sampler


def skip_epoch_start(loader, num_batches):
    """Make the next ``iter(loader)`` start after ``num_batches`` batches
    without reading them, when the samplers allow it.

    A batch sampler with ``skip_next_epoch_start(num_batches)`` skips
    batches; under torch's plain ``BatchSampler``, a sampler with
    ``skip_next_epoch_start(num_samples)`` skips samples.

    Args:
        loader (DataLoader): The dataloader.
        num_batches (int): Batches to skip.

    Returns:
        Sampler | None: The sampler that skips, or None when none can.
    """
    batch_sampler = loader.batch_sampler
    if hasattr(batch_sampler, 'skip_next_epoch_start'):
        batch_sampler.skip_next_epoch_start(num_batches)
        return batch_sampler
    sampler = getattr(batch_sampler, 'sampler', None)
    if type(batch_sampler) is BatchSampler and hasattr(
            sampler, 'skip_next_epoch_start'):
        sampler.skip_next_epoch_start(num_batches * batch_sampler.batch_size)
        return sampler
    return None


class StepSeeds:
    """``derive_seed(seed, iteration, rank)``, computed for ``chunk``
    consecutive iterations at a time.

    One ``SeedSequence`` per training step took ~0.08 ms with the caches
    cold after the step, against ~6 us each in a loop (docs/benchmark.md);
    the values are the same.

    Args:
        chunk (int): Iterations computed at once. Defaults to 64.
    """

    def __init__(self, chunk: int = 64) -> None:
        self.chunk = chunk
        self._key, self._start, self._seeds = None, 0, []

    def __call__(self, seed: int, iteration: int, rank: int) -> int:
        offset = iteration - self._start
        if self._key != (seed, rank) or not 0 <= offset < len(self._seeds):
            self._key, self._start, offset = (seed, rank), iteration, 0
            self._seeds = [derive_seed(seed, i, rank)
                           for i in range(iteration, iteration + self.chunk)]
        return self._seeds[offset]


class ReliableLoopMixin:
    """What the resumable loops share: a mid-epoch start, a seed per step,
    and bad-sample accounting (see :class:`ResumableEpochBasedTrainLoop`).
    """

    def _init_reliability(self, max_bad_fraction):
        self.max_bad_fraction = max_bad_fraction
        self.bad_samples = {}
        self._epoch_bad = 0
        self._step_seeds = StepSeeds()

    # --- iteration-level resume -------------------------------------------
    def _epoch_batches(self, skip, where):
        """An iterator over the current data epoch's batches from batch
        ``skip`` on; ``where`` names the epoch in the log."""
        loader = self.dataloader
        if skip <= 0:
            return iter(loader)
        logger = self.runner.logger
        skipper = skip_epoch_start(loader, skip)
        if skipper is not None:
            logger.info(f'Resuming {where} at batch {skip + 1}: '
                        f'{type(skipper).__name__} skips the {skip} '
                        'batches already trained on (no data read)')
            return iter(loader)
        logger.warning(
            f'Resuming {where} at batch {skip + 1}: '
            f'{type(data_sampler(loader)).__name__} cannot start mid-epoch, '
            f'so the first {skip} batches are read and dropped')
        batches = iter(loader)
        for _ in range(skip):
            next(batches)
        return batches

    def _train_iter(self, batch_idx, data_batch):
        """Account for replaced samples, seed the step, then train it
        (mmengine's ``run_iter`` with :meth:`train_step`)."""
        self._before_step(data_batch)
        self.runner.call_hook('before_train_iter', batch_idx=batch_idx,
                              data_batch=data_batch)
        outputs = self.train_step(data_batch)
        self.runner.call_hook('after_train_iter', batch_idx=batch_idx,
                              data_batch=data_batch, outputs=outputs)
        self._iter += 1

    def train_step(self, data_batch):
        """The model's ``train_step`` with its logged tensors detached.

        The losses returned for logging hold the step's autograd graph;
        detached here, the graph is released when the step ends instead of
        living on through the ``after_train_iter`` hooks. The hooks get the
        same values.
        """
        outputs = self.runner.model.train_step(
            data_batch, optim_wrapper=self.runner.optim_wrapper)
        if isinstance(outputs, dict):
            outputs = {k: v.detach() if isinstance(v, torch.Tensor) else v
                       for k, v in outputs.items()}
        return outputs

    def _before_step(self, data_batch):
        """Account for replaced samples, then seed the step from (run seed,
        iteration[, rank])."""
        records = collect_bad_samples(data_batch)
        if records:
            self._record_bad_samples(records)
        rank, _ = get_dist_info()
        diff_rank = self.runner._randomness_cfg.get('diff_rank_seed', False)
        seed_everything(
            self._step_seeds(self.runner.seed, self._iter, rank if diff_rank
                             else 0))

    # --- bad samples --------------------------------------------------------
    def _record_bad_samples(self, records):
        for index, description, error in records:
            self._epoch_bad += 1
            if index in self.bad_samples:
                continue
            self.bad_samples[index] = (description, error)
            self.runner.logger.warning(
                f'Bad sample {description}: {error}; replaced by another '
                f'sample ({len(self.bad_samples)} bad so far)')
        _, world_size = get_dist_info()
        self._check_bound(len(self.dataloader.dataset) / world_size)

    def _merge_bad_samples(self, where):
        """Gather the ranks' bad samples, log the count of ``where`` (e.g.
        'Epoch 3') and reset it (collective under DDP)."""
        _, world_size = get_dist_info()
        if world_size > 1:
            merged = {}
            for part in all_gather_object(self.bad_samples):
                merged.update(part)
            self.bad_samples = merged
            self._epoch_bad = sum(all_gather_object(self._epoch_bad))
        if self._epoch_bad or self.bad_samples:
            self.runner.logger.warning(
                f'{where}: {self._epoch_bad} sample loads failed and were '
                f'replaced; {len(self.bad_samples)} distinct bad samples '
                'known in this run')
        self._epoch_bad = 0
        self._check_bound(len(self.dataloader.dataset))

    def _check_bound(self, num_samples):
        if len(self.bad_samples) <= self.max_bad_fraction * num_samples:
            return
        listed = '\n'.join(f'  {d}: {e}'
                           for d, e in self.bad_samples.values())
        raise RuntimeError(
            f'{len(self.bad_samples)} bad samples exceed max_bad_fraction='
            f'{self.max_bad_fraction} of {int(num_samples)} samples; fix or '
            'remove them (tools/data/check_videos.py lists all bad lines of '
            f'a list), or raise train_cfg.max_bad_fraction:\n{listed}')

    def state_dict(self):
        """The loop state kept in checkpoints (bad samples)."""
        return dict(bad_samples=dict(self.bad_samples))

    def load_state_dict(self, state):
        """Restore :meth:`state_dict`'s output."""
        self.bad_samples = dict(state.get('bad_samples', {}))


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(ReliableLoopMixin, EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` with iteration-level resume and bad-sample
    accounting.

    * Each iteration starts by seeding python/numpy/torch from (run seed,
      iteration[, rank with ``diff_rank_seed``]), so the random draws of a
      step (masks, drop path, dropout) do not depend on what ran before it.
    * A run resumed from a checkpoint saved mid-epoch skips the batches the
      epoch already consumed: a batch sampler or sampler with
      ``skip_next_epoch_start`` (``MediaGroupBatchSampler``, or
      ``ResumableSampler`` under a plain batch sampler) starts after them
      (no data is read); otherwise the batches are read and dropped (with a
      warning).
    * Replaced samples (see ``GuardedDataset``) are logged once each,
      counted per epoch and kept in checkpoints; past
      ``max_bad_fraction`` of the dataset the run stops with their list.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The training dataloader.
        max_epochs (int): Total training epochs.
        max_bad_fraction (float): Largest tolerated fraction of replaced
            samples. Defaults to 0.01.
        **kwargs: ``val_begin``, ``val_interval``, ``dynamic_intervals`` of
            ``EpochBasedTrainLoop``.
    """

    def __init__(self, runner, dataloader, max_epochs,
                 max_bad_fraction=0.01, **kwargs):
        super().__init__(runner, dataloader, max_epochs, **kwargs)
        self._init_reliability(max_bad_fraction)

    def run_epoch(self):
        """Train one epoch, starting after the batches a resumed
        checkpoint already trained on."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        skip = self._iter - self._epoch * len(self.dataloader)
        batches = self._epoch_batches(skip, f'epoch {self._epoch + 1}')
        for idx, data_batch in enumerate(batches, skip):
            self.run_iter(idx, data_batch)
        self._merge_bad_samples(f'Epoch {self._epoch + 1}')
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def run_iter(self, idx, data_batch):
        """Account for replaced samples, seed the step, then train it."""
        self._train_iter(idx, data_batch)


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(ReliableLoopMixin, IterBasedTrainLoop):
    """``IterBasedTrainLoop`` with the exact resume and bad-sample accounting
    of :class:`ResumableEpochBasedTrainLoop`.

    The data is read in passes over the dataset (data epochs; the sampler's
    epoch is set at the start of each, as mmengine does). A resumed run
    starts in the pass and at the batch where the checkpoint's iteration
    falls, skipping the consumed batches without reading them when the
    sampler allows it (an ``InfiniteSampler`` is read from its start and the
    consumed batches dropped, as mmengine does). Replaced samples are
    counted per pass and at the end of training. The model is put in
    training mode when it is not (first iteration, after validation), not
    at every iteration as mmengine's loop does (a walk over every module).

    Args:
        max_iters (int): Total training iterations.
        runner, dataloader, max_bad_fraction, **kwargs: As in
            :class:`ResumableEpochBasedTrainLoop` (``kwargs`` of
            ``IterBasedTrainLoop``).
    """

    def __init__(self, runner, dataloader, max_iters, max_bad_fraction=0.01,
                 **kwargs):
        super().__init__(runner, dataloader, max_iters, **kwargs)
        self._init_reliability(max_bad_fraction)
        # batches are read by run(), which starts where a resume ends
        self.dataloader_iterator = None

    def _infinite(self):
        return isinstance(data_sampler(self.dataloader), InfiniteSampler)

    def _start_pass(self, data_epoch, skip=0):
        sampler = data_sampler(self.dataloader)
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(data_epoch)
        return self._epoch_batches(skip, f'data pass {data_epoch + 1}')

    def run(self):
        """Train ``max_iters`` iterations from the loaded iteration on."""
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        if self._infinite():
            data_epoch, skip = 0, self._iter
        else:
            data_epoch, skip = divmod(self._iter, len(self.dataloader))
        batches = self._start_pass(data_epoch, skip)
        model = self.runner.model
        while self._iter < self._max_iters and not self.stop_training:
            if not model.training:  # first iteration, or after validation
                model.train()
            data_batch = next(batches, None)
            if data_batch is None:  # the pass is over: start the next one
                self._merge_bad_samples(f'Data pass {data_epoch + 1}')
                data_epoch += 1
                batches = self._start_pass(data_epoch)
                data_batch = next(batches)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0
                         or self._iter == self._max_iters)):
                self.runner.val_loop.run()
        self._merge_bad_samples(
            f'Data pass {data_epoch + 1} (to iteration {self._iter})')
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_iter(self, data_batch):
        """Account for replaced samples, seed the step, then train it."""
        self._train_iter(self._iter, data_batch)
