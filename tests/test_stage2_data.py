"""Stage-2 data: caption corpora (videos + images), the media-type batch
sampler, retrieval annotation formats."""
import json
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

import umt_mm  # noqa: F401
from umt_mm.registry import DATASETS


def _write(path, entries):
    with open(path, 'w') as f:
        json.dump(entries, f)
    return str(path)


def _base_cfg(name):
    from mmengine.config import Config
    return Config.fromfile(osp.join(osp.dirname(__file__), '..', 'configs',
                                    '_base_', 'datasets', name))


def _pipelines():
    """The demo's video pipeline and, for images, the loading steps of
    caption_pretrain.py followed by the same transforms."""
    video = _base_cfg('demo_caption_retrieval.py').train_pipeline
    image = _base_cfg('caption_pretrain.py').image_pipeline[:2] + video[3:]
    return video, image


def test_video_and_image_corpora_through_real_pipelines(tmp_path,
                                                        demo_data):
    videos = json.load(open(osp.join(demo_data, 'captions_train.json')))[:2]
    videos[1]['caption'] = [videos[1]['caption'], 'a second caption']
    img_dir = tmp_path / 'images'
    img_dir.mkdir()
    rgb = np.zeros((40, 48, 3), np.uint8)
    rgb[..., 0] = 200  # a red image
    cv2.imwrite(str(img_dir / 'a.png'), rgb[..., ::-1])  # cv2 writes BGR
    ds = DATASETS.build(dict(
        type='CaptionDataset',
        ann_files=[
            _write(tmp_path / 'v.json', videos),
            dict(ann_file=_write(tmp_path / 'i.json',
                                 [dict(image='a.png', caption='an image')]),
                 data_prefix=str(img_dir))],
        data_prefix=dict(video=demo_data),
        pipeline=_pipelines()[0], image_pipeline=_pipelines()[1]))
    # one sample per caption; a caption list shares its source index
    assert len(ds) == 4
    assert [ds.get_data_info(i)['source_idx'] for i in range(4)] == \
        [0, 1, 1, 2]
    assert [ds.get_media_type(i) for i in range(4)] == \
        ['video', 'video', 'video', 'image']
    video, image = ds[0], ds[3]
    assert tuple(video['inputs'].shape) == (1, 3, 4, 64, 64)
    assert tuple(image['inputs'].shape) == (1, 3, 1, 64, 64)
    # channel 0 is red, as in decoded video frames
    means = image['inputs'].float().mean(dim=(0, 2, 3, 4))
    assert means[0] == 200 and means[1] == means[2] == 0
    sample = image['data_samples']
    assert sample.source_idx == 2
    ids = np.asarray(sample.input_ids)
    assert ids.shape == (32, ) and ids[0] == 101  # [CLS] of the vocab


def test_caption_dataset_errors_and_same_caption_positives(tmp_path):
    entries = [dict(video='a.mp4', caption='x'),
               dict(video='b.mp4', caption=['y', 'x2']),
               dict(video='c.mp4', caption='y'),
               dict(video='d.mp4', caption='z'),
               dict(video='e.mp4', caption='x')]
    ann = _write(tmp_path / 'c.json', entries)

    def sources(**kw):
        ds = DATASETS.build(dict(type='CaptionDataset', ann_files=ann,
                                 pipeline=[], **kw))
        return [ds.get_data_info(i)['source_idx'] for i in range(len(ds))]

    assert sources() == [0, 1, 1, 2, 3, 4]  # official: one per entry
    # b and c share 'y', a and e share 'x'; b's two captions stay together
    assert sources(same_caption_positives=True) == [0, 1, 1, 1, 2, 0]
    bad = _write(tmp_path / 'bad.json', [dict(audio='a.wav', caption='x')])
    with pytest.raises(ValueError, match='bad.json'):
        DATASETS.build(dict(type='CaptionDataset', ann_files=bad,
                            pipeline=[]))
    images = _write(tmp_path / 'img.json', [dict(image='a.png', caption='x')])
    with pytest.raises(ValueError, match='image_pipeline'):
        DATASETS.build(dict(type='CaptionDataset', ann_files=images,
                            pipeline=[]))


class _Media:
    """A dataset of media types only (what the batch sampler reads)."""

    def __init__(self, types):
        self.types = types

    def __len__(self):
        return len(self.types)

    def get_media_type(self, i):
        return self.types[i]


def _rank_batches(types, world, batch_size, epoch=0, drop_last=True):
    from umt_mm.datasets.caption_dataset import MediaGroupBatchSampler
    out = []
    for rank in range(world):
        sampler = SimpleNamespace(dataset=_Media(types), seed=3, epoch=epoch,
                                  shuffle=True)
        bs = MediaGroupBatchSampler(sampler, batch_size, drop_last)
        bs.rank, bs.world_size = rank, world
        batches = list(bs)
        assert len(batches) == len(bs)
        out.append(batches)
    return out


def test_media_group_batch_sampler_equal_steps_per_rank():
    types = ['video'] * 23 + ['image'] * 13
    ranks = _rank_batches(types, world=2, batch_size=4)
    r0, r1 = ranks
    # every rank runs the same number of steps, with the same media type at
    # each step (the collective ops of a step never mix shapes)
    # 23 videos -> 12 per rank (one repeat pads), 3 batches; 13 images ->
    # 7 per rank, 1 full batch (drop_last)
    assert len(r0) == len(r1) == 3 + 1
    for b0, b1 in zip(r0, r1):
        assert len(b0) == len(b1) == 4
        kinds = {types[i] for i in b0 + b1}
        assert len(kinds) == 1
    # ranks hold different samples (only the padding repeats one per type)
    seen0 = {i for b in r0 for i in b}
    seen1 = {i for b in r1 for i in b}
    assert len(seen0 & seen1) <= 2
    # the order changes with the epoch, and is reproducible
    assert _rank_batches(types, 2, 4, epoch=1) != ranks
    assert _rank_batches(types, 2, 4) == ranks
    # without drop_last the last (uneven) batches are kept
    kept = _rank_batches(types, 2, 4, drop_last=False)
    assert sum(len(b) for b in kept[0]) == 12 + 7


def test_retrieval_formats(tmp_path):
    entries = [dict(video='a.mp4', caption=['one', 'two']),
               dict(video='b.mp4', caption='three'),
               dict(video='c.mp4', caption='one')]
    ann = _write(tmp_path / 'r.json', entries)

    def build(**kw):
        return DATASETS.build(dict(type='RetrievalDataset', ann_file=ann,
                                   pipeline=[], **kw))

    ds = build()  # MSVD style: every caption is a text
    assert ds.texts == ['one', 'two', 'three', 'one']
    assert [ds.get_data_info(i)['text_ids'] for i in range(3)] == \
        [[0, 1], [2], [3]]
    ds = build(dedup_texts=True)  # SSv2 labels: one text, many videos
    assert ds.texts == ['one', 'two', 'three']
    assert ds.get_data_info(2)['text_ids'] == [0]
    ds = build(paragraph=True)  # DiDeMo / ActivityNet paragraphs
    assert ds.texts == ['one two', 'three', 'one']
    assert torch.tensor(ds.txt2vid).tolist() == [0, 1, 2]


def test_media_group_batch_sampler_seeds_and_skip():
    """Every index carries a seed of (seed, epoch, global batch position,
    slot); an epoch can start after its first batches (once), with the
    same batches and seeds as a full epoch."""
    types = ['video'] * 23 + ['image'] * 13
    ranks = _rank_batches(types, world=2, batch_size=4)
    seeds = [i.seed for batches in ranks for b in batches for i in b]
    assert len(set(seeds)) == len(seeds) == 2 * 4 * 4
    assert _rank_batches(types, 2, 4, epoch=1)[0][0][0].seed not in seeds
    from umt_mm.datasets.caption_dataset import MediaGroupBatchSampler
    sampler = SimpleNamespace(dataset=_Media(types), seed=3, epoch=0,
                              shuffle=True)
    bs = MediaGroupBatchSampler(sampler, 4)
    bs.rank, bs.world_size = 1, 2

    def pairs(batches):
        return [[(int(i), i.seed) for i in b] for b in batches]

    assert pairs(list(bs)) == pairs(ranks[1])
    bs.skip_next_epoch_start(3)
    assert pairs(list(bs)) == pairs(ranks[1][3:])
    assert len(list(bs)) == len(ranks[1])  # the skip is one-shot


def test_stage2_loader_guarded_seeded_and_resumable(tmp_path, demo_data):
    """The stage-2 train loader as UMTRunner builds it: GuardedDataset over
    the caption corpora, the media batch sampler over a ResumableSampler;
    video and image augmentations (random frames, random crops) follow the
    samples' seeds, not the loading process's RNG, and a mid-epoch start
    gives the rest of the epoch unchanged."""
    from mmengine.runner import Runner

    from umt_mm.datasets.guarded import GuardedDataset, ResumableSampler
    from umt_mm.engine.loops import skip_epoch_start
    from umt_mm.engine.runner import guard_dataloader
    videos = json.load(open(osp.join(demo_data, 'captions_train.json')))[:6]
    img_dir = tmp_path / 'images'
    img_dir.mkdir()
    rng = np.random.default_rng(0)
    for k in range(4):
        cv2.imwrite(str(img_dir / f'{k}.png'),
                    rng.integers(0, 255, (40, 48, 3), dtype=np.uint8))
    video, image = _pipelines()
    image = image[:2] + [dict(type='RandomResizedCrop', area_range=(0.3, 1.0))
                         ] + image[2:]
    cfg = _base_cfg('demo_caption_retrieval.py').train_dataloader.to_dict()
    cfg.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg['dataset'].update(
        ann_files=[
            _write(tmp_path / 'v.json', videos),
            dict(ann_file=_write(tmp_path / 'i.json', [
                dict(image=f'{k}.png', caption=f'image {k}')
                for k in range(4)]), data_prefix=str(img_dir))],
        data_prefix=dict(video=demo_data), pipeline=video,
        image_pipeline=image)
    loader = Runner.build_dataloader(guard_dataloader(cfg, 'resample'),
                                     seed=0)
    assert isinstance(loader.dataset, GuardedDataset)
    assert isinstance(loader.batch_sampler.sampler, ResumableSampler)

    def epoch(rng_seed):
        torch.manual_seed(rng_seed)
        np.random.seed(rng_seed)
        return [torch.stack(b['inputs']) for b in loader]

    full = epoch(1)
    assert sorted(b.shape[3] for b in full) == [1, 1, 4, 4, 4]  # T
    again = epoch(2)
    assert all(torch.equal(a, b) for a, b in zip(full, again))
    assert skip_epoch_start(loader, 2) is loader.batch_sampler
    rest = epoch(3)
    assert len(rest) == 3
    assert all(torch.equal(a, b) for a, b in zip(full[2:], rest))


def test_bad_caption_video_replaced_by_a_video(tmp_path, demo_data):
    """Training replaces a stage-2 video that cannot be loaded by another
    video (a batch holds one media type), never by an image."""
    from umt_mm.datasets.guarded import (GuardedDataset, SeededIndex,
                                         collect_bad_samples)
    videos = json.load(open(osp.join(demo_data, 'captions_train.json')))[:2]
    videos.append(dict(video='videos/missing.mp4', caption='gone'))
    img_dir = tmp_path / 'images'
    img_dir.mkdir()
    for k in range(8):
        cv2.imwrite(str(img_dir / f'{k}.png'),
                    np.full((40, 48, 3), 20 * k, np.uint8))
    images = [dict(image=f'{k}.png', caption=f'image {k}') for k in range(8)]
    video, image = _pipelines()
    dataset = GuardedDataset(dict(
        type='CaptionDataset',
        ann_files=[_write(tmp_path / 'v.json', videos),
                   dict(ann_file=_write(tmp_path / 'i.json', images),
                        data_prefix=str(img_dir))],
        data_prefix=dict(video=demo_data), pipeline=video,
        image_pipeline=image), on_error='resample')
    for seed in range(6):
        sample = dataset[SeededIndex(2, seed)]
        assert sample['inputs'].shape[2] == 4  # 4 frames: a video
        records = collect_bad_samples(dict(
            inputs=[sample['inputs']],
            data_samples=[sample['data_samples']]))
        # (a replacement may be drawn bad as well)
        assert {(i, 'videos/missing.mp4' in d) for i, d, _ in records} == \
            {(2, True)}
