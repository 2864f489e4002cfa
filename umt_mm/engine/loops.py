"""An epoch-based training loop that resumes exactly, mid-epoch included,
and bounds the samples replaced by :class:`~umt_mm.datasets.GuardedDataset`.
"""
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import BatchSampler

from umt_mm.datasets.guarded import (ResumableSampler, collect_bad_samples,
                                     derive_seed, seed_everything)
from umt_mm.registry import LOOPS


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` with iteration-level resume and bad-sample
    accounting.

    * Each iteration starts by seeding python/numpy/torch from (run seed,
      iteration[, rank with ``diff_rank_seed``]), so the random draws of a
      step (masks, drop path, dropout) do not depend on what ran before it.
    * A run resumed from a checkpoint saved mid-epoch skips the batches the
      epoch already consumed: with :class:`ResumableSampler` under a plain
      batch sampler the sampler starts after them (no data is read);
      otherwise the batches are read and dropped (with a warning).
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
        self.max_bad_fraction = max_bad_fraction
        self.bad_samples = {}
        self._epoch_bad = 0

    # --- iteration-level resume -------------------------------------------
    def _epoch_batches(self, skip):
        loader = self.dataloader
        if skip <= 0:
            return iter(loader)
        logger = self.runner.logger
        sampler = loader.sampler
        if (isinstance(sampler, ResumableSampler)
                and type(loader.batch_sampler) is BatchSampler):
            sampler.skip_next_epoch_start(skip * loader.batch_size)
            logger.info(f'Resuming epoch {self._epoch + 1} at batch '
                        f'{skip + 1}: the sampler skips the {skip} '
                        'batches already trained on')
            return iter(loader)
        logger.warning(
            f'Resuming epoch {self._epoch + 1} at batch {skip + 1}: '
            f'{type(sampler).__name__} cannot start mid-epoch, so the '
            f'first {skip} batches are read and dropped')
        batches = iter(loader)
        for _ in range(skip):
            next(batches)
        return batches

    def run_epoch(self):
        """Train one epoch, starting after the batches a resumed
        checkpoint already trained on."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        skip = self._iter - self._epoch * len(self.dataloader)
        self._epoch_bad = 0
        for idx, data_batch in enumerate(self._epoch_batches(skip), skip):
            self.run_iter(idx, data_batch)
        self._merge_bad_samples()
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def run_iter(self, idx, data_batch):
        """Account for replaced samples, seed the step, then train it."""
        self._record_bad_samples(collect_bad_samples(data_batch))
        rank, _ = get_dist_info()
        diff_rank = self.runner._randomness_cfg.get('diff_rank_seed', False)
        seed_everything(
            derive_seed(self.runner.seed, self._iter, rank if diff_rank
                        else 0))
        super().run_iter(idx, data_batch)

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

    def _merge_bad_samples(self):
        _, world_size = get_dist_info()
        if world_size > 1:
            merged = {}
            for part in all_gather_object(self.bad_samples):
                merged.update(part)
            self.bad_samples = merged
            self._epoch_bad = sum(all_gather_object(self._epoch_bad))
        if self._epoch_bad or self.bad_samples:
            self.runner.logger.warning(
                f'Epoch {self._epoch + 1}: {self._epoch_bad} sample loads '
                f'failed and were replaced; {len(self.bad_samples)} '
                'distinct bad samples known in this run')
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
