"""Sample-level fault tolerance and exact-resume sampling.

* :class:`SeededIndex`: an ``int`` dataset index that carries the seed of
  the sample's random augmentation.
* :class:`ResumableSampler`: mmengine's ``DefaultSampler`` that yields
  :class:`SeededIndex` (seed from the run seed, the epoch and the sample's
  global position) and can start an epoch after its first ``n`` samples.
* :class:`GuardedDataset`: a dataset wrapper that checks the annotation list
  when it is built, seeds each sample's augmentation from its index seed,
  and on a load/decode failure either raises an error naming the file and
  list line (test/val) or draws another index deterministically and marks
  the batch so that the training loop can log, count and bound the failures.

With per-sample seeds the data of an iteration does not depend on the
number of workers, on which worker loads a sample, or on whether the epoch
was started by a resumed run.
"""
import os
import os.path as osp
import random
import re
import tempfile
from contextlib import contextmanager, nullcontext

import numpy as np
import torch
from mmengine.dataset import DefaultSampler

from umt_mm.registry import DATA_SAMPLERS, DATASETS
from .ann_check import _LIST_TYPES, check_annotation_list, resolve_ann_file

BAD_SAMPLES_KEY = 'bad_samples'


def derive_seed(*keys):
    """A 32-bit seed from integers (``numpy.random.SeedSequence``).

    Args:
        *keys (int): Non-negative integers, e.g. seed, epoch, position.

    Returns:
        int: The derived seed.
    """
    return int(np.random.SeedSequence([int(k) for k in keys])
               .generate_state(1)[0])


def seed_everything(seed):
    """Seed python's ``random``, numpy's global and torch's CPU/CUDA RNGs.

    Called before every training step, so it avoids ``torch.manual_seed``,
    which also queues lazy seeding of every accelerator backend (~0.5 ms
    per call on CPU); CUDA is seeded directly once it is initialised.

    Args:
        seed (int): The seed.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_initialized():
        torch.cuda.manual_seed_all(seed)


class SeededIndex(int):
    """A dataset index with the seed of the sample's augmentation.

    Behaves as a plain ``int`` for any dataset; :class:`GuardedDataset`
    reads :attr:`seed`.

    Args:
        index (int): The dataset index.
        seed (int): The sample's seed.
    """

    def __new__(cls, index, seed):
        obj = super().__new__(cls, index)
        obj.seed = seed
        return obj

    def __reduce__(self):
        return SeededIndex, (int(self), self.seed)


def seeded_rng(seed):
    """Run a block with python/numpy/torch-CPU RNGs seeded by ``seed``,
    restoring their previous states afterwards (``nullcontext`` for None:
    no generator-based context per unseeded sample)."""
    return nullcontext() if seed is None else _seeded_rng(seed)


@contextmanager
def _seeded_rng(seed):
    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        random.seed(seed)
        np.random.seed(seed)
        torch.default_generator.manual_seed(seed)
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


@DATA_SAMPLERS.register_module()
class ResumableSampler(DefaultSampler):
    """``DefaultSampler`` with per-sample seeds and a mid-epoch start.

    The order is exactly ``DefaultSampler``'s. Each index is yielded as a
    :class:`SeededIndex` whose seed derives from (sampler seed, epoch,
    global position in the epoch), so a sample's augmentation is the same
    whichever rank, worker or run loads it.

    Args:
        dataset (Sized): The dataset.
        shuffle (bool): Whether to shuffle. Defaults to True.
        seed (int, optional): Shuffle and sample seed; synced across ranks
            when None. Defaults to None.
        round_up (bool): Pad to a multiple of the world size. Defaults to
            True.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._start = 0

    def skip_next_epoch_start(self, num_samples):
        """Start the next ``iter()`` after its first ``num_samples``
        samples of this rank (once).

        Args:
            num_samples (int): Samples of this rank to skip.
        """
        self._start = int(num_samples)

    def __iter__(self):
        indices = list(super().__iter__())
        start, self._start = self._start, 0
        for i in range(start, len(indices)):
            position = self.rank + i * self.world_size
            yield SeededIndex(indices[i],
                              derive_seed(self.seed, self.epoch, position))


class SampleLoadError(RuntimeError):
    """A sample that could not be loaded, with its file and list line."""


@DATASETS.register_module()
class GuardedDataset:
    """Wrap a dataset with list checks, sample seeds and a bad-sample policy.

    ``UMTRunner`` wraps every train, val and test dataset in it. On a
    failure in the wrapped ``__getitem__`` (missing, truncated or corrupt
    video, decode error):

    * ``on_error='raise'`` (val/test default) raises
      :class:`SampleLoadError` naming the file and list line;
    * ``on_error='skip'`` (val/test option, video lists) decodes a few
      frames of every video when the dataset is built, logs the failing
      list lines and leaves them out; later failures raise as 'raise';
    * ``on_error='resample'`` (training) draws another index from a
      generator seeded by the sample's seed (among the samples of its
      media type when the dataset has ``get_media_type``), retries up to
      ``max_retries`` times, and records the failures in the returned
      sample's ``data_samples`` metainfo (key ``'bad_samples'``) for the
      training loop, which logs each file once, counts them and stops the
      run past its ``max_bad_fraction``.

    Args:
        dataset (dict | Dataset): The dataset or its config.
        on_error (str): 'raise', 'resample' or 'skip'. Defaults to
            'raise'.
        max_retries (int): Replacement draws per failed sample before
            giving up. Defaults to 10.
        num_classes (int, optional): Checks list labels against
            ``[0, num_classes)`` when the dataset is built from a config.
            Defaults to None.
        check_annotations (bool): Check the annotation list at build time
            (see :func:`check_annotation_list`). Defaults to True.
    """

    def __init__(self, dataset, on_error='raise', max_retries=10,
                 num_classes=None, check_annotations=True):
        if on_error not in ('raise', 'resample', 'skip'):
            raise ValueError("on_error must be 'raise', 'resample' or "
                             f"'skip', got {on_error!r}")
        self.line_numbers = None
        if isinstance(dataset, dict):
            num = check_annotation_list(
                dataset, num_classes) if check_annotations else 0
            if num and dataset.get('type') in _LIST_TYPES:
                # one list line per sample
                self.line_numbers = list(range(1, num + 1))
            if on_error == 'skip':
                dataset = self._drop_undecodable(dataset)
            dataset = DATASETS.build(dataset)
        self.dataset = dataset
        self.on_error = on_error
        self.max_retries = max_retries

    def _drop_undecodable(self, dataset_cfg):
        """``on_error='skip'``: check every video of the list first, log
        and drop the undecodable ones (their lines are left out of a copy of
        the list)."""
        from mmengine.logging import MMLogger

        from .video_check import scan_list
        logger = MMLogger.get_current_instance()
        root = (dataset_cfg.get('data_prefix') or {}).get('video')
        if dataset_cfg.get('type') not in ('VideoDataset',
                                           'RepeatAugDataset') or \
                self.line_numbers is None:
            logger.warning(f"on_error='skip' needs a checked video list; "
                           f"{dataset_cfg.get('type')} samples that fail "
                           'stop the run')
            return dataset_cfg
        ann_file = resolve_ann_file(dataset_cfg)
        out_dir = tempfile.mkdtemp(prefix='umt_mm_skip_')
        bad = scan_list(ann_file, root or '', osp.join(out_dir, 'bad.txt'),
                        workers=min(8, os.cpu_count() or 1),
                        delimiter=dataset_cfg.get('delimiter', ' '))
        if not bad:
            return dataset_cfg
        for number, line, problem in bad:
            logger.warning(f'Skipping {ann_file} line {number} ({line}): '
                           f'{problem}')
        logger.warning(f'{len(bad)} of {len(self.line_numbers)} samples of '
                       f'{ann_file} are skipped: the metrics leave them out')
        dropped = {number for number, _, _ in bad}
        with open(ann_file) as f:
            lines = f.read().splitlines()
        self.line_numbers = [n for n in self.line_numbers if n not in dropped]
        clean = osp.join(out_dir, osp.basename(ann_file))
        with open(clean, 'w') as f:
            f.write(''.join(lines[n - 1] + '\n' for n in self.line_numbers))
        dataset_cfg = dict(dataset_cfg, ann_file=clean)
        self.source_ann_file = ann_file
        return dataset_cfg

    def __getattr__(self, name):
        # delegate metainfo, data_list, ... to the wrapped dataset
        if name == 'dataset':
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __len__(self):
        return len(self.dataset)

    def describe(self, index):
        """``'<file> (<ann_file> line <n>)'`` for a dataset index."""
        try:
            info = self.dataset.get_data_info(index)
        except Exception:  # noqa: BLE001 (best-effort description)
            info = {}
        name = info.get('filename') or info.get('frame_dir') or \
            info.get('video') or info.get('img_path') or f'index {index}'
        ann_file = self.__dict__.get('source_ann_file') or getattr(
            self.dataset, 'ann_file', None)
        if self.line_numbers is not None and ann_file:
            return f'{name} ({ann_file} line {self.line_numbers[index]})'
        if ann_file:
            return f'{name} (from {ann_file})'
        return str(name)

    def _load(self, index, seed):
        with seeded_rng(seed):
            return self.dataset[index]

    def __getitem__(self, index):
        seed = getattr(index, 'seed', None)
        index = int(index)
        try:
            return self._load(index, seed)
        except Exception as err:  # noqa: BLE001 (policy below)
            first = (index, self.describe(index), error_text(err))
            if self.on_error != 'resample':
                raise SampleLoadError(
                    f'cannot load sample {first[1]}: {first[2]}') from err
        return self._resample(first, seed)

    def _replacements(self, index):
        """Indices a failed sample may be replaced by: those of its media
        type when the dataset mixes types (``get_media_type``, stage-2
        caption corpora: a batch holds one type), else None (any)."""
        media_type = getattr(self.dataset, 'get_media_type', None)
        if media_type is None:
            return None
        if self.__dict__.get('_media_groups') is None:
            groups = {}
            for i in range(len(self.dataset)):
                groups.setdefault(media_type(i), []).append(i)
            self._media_groups = groups
        return self._media_groups[media_type(index)]

    def _resample(self, first, seed):
        failures = [first]
        pool = self._replacements(first[0])
        rng = np.random.default_rng(
            [first[0], 0 if seed is None else seed])
        for _ in range(self.max_retries):
            index = int(rng.integers(len(self.dataset))) if pool is None \
                else pool[int(rng.integers(len(pool)))]
            try:
                result = self._load(index, int(rng.integers(2**32)))
            except Exception as err:  # noqa: BLE001
                failures.append(
                    (index, self.describe(index), error_text(err)))
                continue
            _mark(result, failures)
            return result
        listed = '\n'.join(f'  {d}: {e}' for _, d, e in failures)
        raise SampleLoadError(
            f'{len(failures)} samples in a row failed to load:\n{listed}')


#: decord prefixes its messages with the time of day (``[05:37:08] ``)
_CLOCK = re.compile(r'\[\d{2}:\d{2}:\d{2}\] ')


def error_text(err, limit=300):
    """``'Type: message'`` of an exception for logs and lists: the first
    line, without decord's time of day (so the same failure reads the same
    in every run), at most ``limit`` characters."""
    full = _CLOCK.sub('', f'{type(err).__name__}: {err}').strip()
    text = full.splitlines()[0] if full else type(err).__name__
    return text if len(text) <= limit else text[:limit - 3] + '...'


def _mark(result, failures):
    """Attach ``failures`` to the sample's data sample metainfo."""
    if isinstance(result, (list, tuple)) and result:
        result = result[0]  # repeated augmentation: one list per sample
    data_sample = result.get('data_samples') if isinstance(result,
                                                           dict) else None
    if data_sample is None or not hasattr(data_sample, 'set_metainfo'):
        raise SampleLoadError(
            'a bad sample was replaced, but the dataset output has no '
            "'data_samples' element to report it through: "
            + '; '.join(d for _, d, _ in failures))
    known = list(data_sample.metainfo.get(BAD_SAMPLES_KEY, []))
    data_sample.set_metainfo({BAD_SAMPLES_KEY: known + list(failures)})


def collect_bad_samples(data_batch):
    """The ``(index, description, error)`` records marked in a batch.

    Args:
        data_batch (dict | list): A collated batch.

    Returns:
        list[tuple]: The records, possibly empty.
    """
    batches = data_batch if isinstance(data_batch, (list, tuple)) else [
        data_batch]
    records = []
    for batch in batches:
        samples = batch.get('data_samples') if isinstance(batch,
                                                          dict) else None
        for sample in samples or []:
            metainfo = getattr(sample, 'metainfo', None) or {}
            records.extend(metainfo.get(BAD_SAMPLES_KEY, []))
    return records
