"""Video / image caption corpora of UMT stage 2 and a media-type batch sampler.

Annotation files use the official format, a JSON list of
``{"video": path, "caption": str | [str, ...]}`` or
``{"image": path, "caption": ...}``. Several corpora (video and image) are
concatenated in one dataset so that source indices stay unique: every
annotation entry gets its own ``source_idx`` and a list of captions is
expanded into one sample per caption sharing it (positives of each other in
VTC, never negatives in VTM). With ``same_caption_positives`` the entries
that share a caption string share a source index too (template captions).
"""
import json
import math
import os.path as osp
from typing import Dict, Iterator, List, Optional, Sequence, Union

import torch
from mmengine.dataset import BaseDataset, Compose
from mmengine.dist import get_dist_info
from torch.utils.data import Sampler

from ..registry import DATA_SAMPLERS, DATASETS
from .guarded import SeededIndex, derive_seed


def load_json_list(path: str) -> List[Dict]:
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    if not isinstance(data, list):
        raise ValueError(f'{path}: expected a JSON list of annotations')
    return data


def merge_sources_by_caption(data_list: List[Dict]) -> None:
    """Relabel ``source_idx`` in place so that samples connected by a shared
    source or an identical caption get one index (0, 1, ... in order of
    first appearance)."""
    parent: Dict[int, int] = {}

    def find(i: int) -> int:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_source: Dict[str, int] = {}
    for info in data_list:
        src = first_source.setdefault(info['text'], info['source_idx'])
        parent[find(info['source_idx'])] = find(src)
    relabel: Dict[int, int] = {}
    for info in data_list:
        info['source_idx'] = relabel.setdefault(find(info['source_idx']),
                                                len(relabel))


@DATASETS.register_module()
class CaptionDataset(BaseDataset):
    """Caption corpora (videos and images) for stage-2 pre-training.

    Args:
        ann_files (str | dict | list): Annotation files. Each is a path or a
            dict ``dict(ann_file=..., data_prefix=...)`` (``data_prefix``: the
            folder media paths are relative to; defaults to the dataset's
            ``data_prefix['video']`` / ``['img']`` by media type).
        pipeline (list): Transforms of video samples.
        image_pipeline (list, optional): Transforms of image samples (e.g.
            ``mmcv.LoadImageFromFile`` then ``ImageToClip`` then the video
            transforms). Needed when a corpus holds images.
        data_prefix (dict): ``video`` and ``img`` default folders.
        same_caption_positives (bool): Give entries with an identical
            caption string one ``source_idx``, so that they are positives of
            each other in VTC and never VTM negatives. The official loader
            keeps one index per entry (False, the default); corpora of
            template captions (many clips described by the same sentence)
            otherwise train VTM to reject exact matches.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self,
                 ann_files: Union[str, Dict, Sequence],
                 pipeline: Sequence,
                 image_pipeline: Optional[Sequence] = None,
                 data_prefix: Optional[Dict] = None,
                 same_caption_positives: bool = False,
                 **kwargs) -> None:
        self.same_caption_positives = same_caption_positives
        if isinstance(ann_files, (str, dict)):
            ann_files = [ann_files]
        self.ann_files = [a if isinstance(a, dict) else dict(ann_file=a)
                          for a in ann_files]
        self.image_pipeline = Compose(image_pipeline or [])
        self._has_image_pipeline = image_pipeline is not None
        super().__init__(ann_file='', pipeline=pipeline,
                         data_prefix={'video': '', 'img': '',
                                      **(data_prefix or {})},
                         **kwargs)

    def load_data_list(self) -> List[Dict]:
        data_list, source = [], 0
        for corpus in self.ann_files:
            entries = load_json_list(corpus['ann_file'])
            for entry in entries:
                if 'video' in entry:
                    media, key, prefix_key = 'video', 'video', 'video'
                elif 'image' in entry:
                    media, key, prefix_key = 'image', 'image', 'img'
                else:
                    raise ValueError(f"{corpus['ann_file']}: entry without "
                                     f"'video' or 'image': {entry}")
                prefix = corpus.get('data_prefix',
                                    self.data_prefix.get(prefix_key, ''))
                path = osp.join(prefix, entry[key])
                captions = entry['caption']
                if isinstance(captions, str):
                    captions = [captions]
                for caption in captions:
                    info = dict(text=caption, source_idx=source,
                                media_type=media)
                    if media == 'video':
                        info.update(filename=path, start_index=0,
                                    modality='RGB')
                    else:
                        info.update(img_path=path)
                    data_list.append(info)
                source += 1
        if any(d['media_type'] == 'image' for d in data_list) and \
                not self._has_image_pipeline:
            raise ValueError('image corpora need an image_pipeline')
        if self.same_caption_positives:
            merge_sources_by_caption(data_list)
        return data_list

    def get_media_type(self, idx: int) -> str:
        return self.get_data_info(idx)['media_type']

    def prepare_data(self, idx: int):
        info = self.get_data_info(idx)
        if info['media_type'] == 'image':
            return self.image_pipeline(info)
        return self.pipeline(info)


@DATA_SAMPLERS.register_module()
class MediaGroupBatchSampler(Sampler):
    """Batches of one media type (videos or images), equal count per rank.

    Like the official ``MetaLoader``: per epoch, the indices of each media
    type are shuffled with the shared seed, split over ranks (padded to a
    multiple of the world size), cut into batches (``drop_last``: incomplete
    ones dropped), and the batches of all types are interleaved in a shared
    random order, so every rank runs the same number of iterations.

    Indices are yielded as :class:`~umt_mm.datasets.guarded.SeededIndex`
    (plain ints to any dataset) whose seed derives from (seed, epoch, global
    batch position, position in the batch), so a sample's augmentation does
    not depend on the worker that loads it; :meth:`skip_next_epoch_start`
    lets a resumed run start an epoch after its consumed batches without
    reading them.

    Args:
        sampler: The dataloader's sampler; only its ``dataset``, ``seed``,
            ``shuffle`` and ``epoch`` are used.
        batch_size (int): Batch size per rank.
        drop_last (bool): Drop incomplete batches. Defaults to True (as the
            official loader; VTC's all-gather also takes uneven last
            batches).
    """

    def __init__(self, sampler, batch_size: int,
                 drop_last: bool = True) -> None:
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.rank, self.world_size = get_dist_info()
        self._start = 0
        dataset = sampler.dataset
        groups: Dict[str, List[int]] = {}
        for i in range(len(dataset)):
            groups.setdefault(dataset.get_media_type(i), []).append(i)
        self.groups = groups

    def _batches(self, seed: int, epoch: int) -> List[List[int]]:
        shuffle = getattr(self.sampler, 'shuffle', True)
        g = torch.Generator().manual_seed(seed + epoch)
        batches = []
        for name in sorted(self.groups):
            idx = self.groups[name]
            if shuffle:
                idx = [idx[i] for i in torch.randperm(len(idx),
                                                      generator=g).tolist()]
            total = math.ceil(len(idx) / self.world_size) * self.world_size
            idx = (idx * math.ceil(total / len(idx)))[:total]
            mine = idx[self.rank:total:self.world_size]
            for s in range(0, len(mine), self.batch_size):
                batch = mine[s:s + self.batch_size]
                if len(batch) == self.batch_size or not self.drop_last:
                    batches.append(batch)
        if shuffle:
            batches = [batches[i] for i in
                       torch.randperm(len(batches), generator=g).tolist()]
        return batches

    def skip_next_epoch_start(self, num_batches: int) -> None:
        """Start the next ``iter()`` after its first ``num_batches``
        batches (once).

        Args:
            num_batches (int): Batches of this rank to skip.
        """
        self._start = int(num_batches)

    def __iter__(self) -> Iterator[List[int]]:
        seed = int(getattr(self.sampler, 'seed', 0) or 0)
        epoch = int(getattr(self.sampler, 'epoch', 0))
        batches = self._batches(seed, epoch)
        start, self._start = self._start, 0
        for b in range(start, len(batches)):
            position = b * self.world_size + self.rank
            yield [SeededIndex(i, derive_seed(seed, epoch, position, j))
                   for j, i in enumerate(batches[b])]

    def __len__(self) -> int:
        n = 0
        for idx in self.groups.values():
            per_rank = math.ceil(len(idx) / self.world_size)
            n += per_rank // self.batch_size if self.drop_last else \
                math.ceil(per_rank / self.batch_size)
        return n

    def set_epoch(self, epoch: int) -> None:
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)
