"""Videos with word-level ASR timestamps for TVTSv2 transcript sorting.

Annotation file: a JSON list of entries
``{"video": "videos/a.mp4", "words": [{"word": "hey", "time": 0.0},
{"word": "guys", "time": 0.149}, ...]}`` (``time`` in seconds from the
video start, non-decreasing; the official YT-Temporal ``subtitles`` layout),
optionally with ``"duration"`` (seconds, >= the last word time).

:class:`TranscriptSegmentSample` draws ``K`` segments of length ``l`` with
``gap`` seconds between them, the words inside each (official
``get_caption_multi``), frames over the whole span, and shows the ``K``
texts shuffled with their temporal positions as ``order_labels``.
:class:`ConcatClipSortDataset` is the variant for corpora without
timestamps: ``K`` captioned clips concatenated in time, their captions
shuffled the same way.
"""
import json
import os
import os.path as osp
from numbers import Real
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset, Compose

from ..registry import DATASETS, TRANSFORMS
from .caption_dataset import load_json_list


def _entry_problem(entry, video_root: Optional[str]) -> Optional[str]:
    if not isinstance(entry, dict):
        return f'expected an object, got {type(entry).__name__}'
    video = entry.get('video')
    if not isinstance(video, str) or not video:
        return "missing 'video' (a path)"
    if video_root is not None and not osp.isfile(osp.join(video_root,
                                                          video)):
        return f'video {osp.join(video_root, video)} does not exist'
    words = entry.get('words')
    if not isinstance(words, list) or not words:
        return "missing 'words' (a non-empty list of {word, time})"
    last = 0.
    for j, item in enumerate(words):
        if not isinstance(item, dict) or not isinstance(item.get('word'),
                                                        str):
            return f"words[{j}] has no string 'word'"
        t = item.get('time')
        if isinstance(t, bool) or not isinstance(t, Real) or t < last:
            return (f"words[{j}] time {t!r} is not a number >= the "
                    f'previous time {last}')
        last = t
    duration = entry.get('duration', last)
    if isinstance(duration, bool) or not isinstance(duration, Real) or \
            duration < last:
        return f'duration {duration!r} is not a number >= {last}'
    return None


def check_transcripts(entries: List, source: str,
                      video_root: Optional[str] = None) -> int:
    """Raise ``ValueError`` naming ``source`` and the first malformed entry.

    Returns:
        int: The number of entries.
    """
    if not entries:
        raise ValueError(f'{source}: no entries')
    for i, entry in enumerate(entries):
        problem = _entry_problem(entry, video_root)
        if problem:
            raise ValueError(f'{source}: entry {i}: {problem}')
    return len(entries)


def check_transcript_file(path: str,
                          video_root: Optional[str] = None) -> int:
    """:func:`check_transcripts` of an annotation file (see module doc)."""
    return check_transcripts(load_json_list(path), path, video_root)


def make_demo_transcripts(caption_file: str, out_file: str,
                          duration: float, words_per_second: float = 4.
                          ) -> int:
    """Synthetic word-timestamp transcripts of captioned demo videos.

    Every video gets one entry per caption file entry (first caption): the
    words of its caption alternate with a spoken counter of the elapsed
    seconds (``'zero'``, ``'one'``, ...) at ``words_per_second`` over
    ``duration`` seconds, so that segments differ in time. Written
    atomically; returns the number of entries.
    """
    counter = ('zero one two three four five six seven eight nine ten '
               'eleven twelve').split()
    out, seen = [], set()
    for entry in load_json_list(caption_file):
        if 'video' not in entry or entry['video'] in seen:
            continue
        seen.add(entry['video'])
        caption = entry['caption']
        caption = caption[0] if isinstance(caption, list) else caption
        n = int(duration * words_per_second)
        words = []
        for i in range(n):
            t = (i + 0.5) / words_per_second
            word = counter[int(t) % len(counter)] if i % 2 else \
                caption.split()[(i // 2) % len(caption.split())]
            words.append(dict(word=word, time=round(t, 3)))
        out.append(dict(video=entry['video'], duration=duration,
                        words=words))
    tmp = f'{out_file}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(out, f)
    os.replace(tmp, out_file)
    return len(out)


def sample_segments(duration: float, num_segments: int = 4,
                    seg_lens: Sequence[float] = (3, 4, 5), gap: float = 1.,
                    rng: Optional[np.random.Generator] = None
                    ) -> List[tuple]:
    """``K`` ``(start, end)`` windows of one length with ``gap`` between.

    As the official loader: a length ``l`` is drawn from ``seg_lens``, the
    span ``K * l + (K - 1) * gap`` starts uniformly at random in
    ``[0, duration - span)``; a video shorter than the span uses all of it
    (windows shrink).
    """
    rng = rng or np.random.default_rng()
    length = float(rng.choice(seg_lens))
    span = num_segments * length + (num_segments - 1) * gap
    if duration > span:
        start = rng.uniform(0, duration - span)
    else:
        start, span = 0., duration
    length = (span - (num_segments - 1) * gap) / num_segments
    if length <= 0:
        raise ValueError(f'a {duration:.2f} s video cannot hold '
                         f'{num_segments} segments with {gap} s gaps')
    return [(start + i * (length + gap), start + i * (length + gap) + length)
            for i in range(num_segments)]


def segment_texts(words: List[Dict], windows: Sequence[tuple]) -> List[str]:
    """Words strictly inside each window (official), space-joined."""
    return [' '.join(w['word'] for w in words if s < w['time'] < e)
            for s, e in windows]


def shuffle_texts(texts: Sequence[str], rng: np.random.Generator):
    """Texts in random order and the temporal position of each shown one."""
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], order.astype(np.int64)


@TRANSFORMS.register_module()
class TranscriptSegmentSample(BaseTransform):
    """Sample ``K`` ASR segments and their frames (after ``DecordInit``).

    Sets ``frame_inds`` (``frames_per_segment * K`` frames, one drawn at
    random in each of as many equal parts of the span, official ``'rand'``
    sampling), ``clip_len``, ``num_clips`` = 1, ``text`` (``K`` shuffled
    segment texts) and ``order_labels``.

    Args:
        num_segments (int): ``K``. Defaults to 4.
        frames_per_segment (int): Defaults to 3 (official YT-Temporal).
        seg_lens (Sequence[float]): Segment lengths to draw from (s).
            Defaults to (3, 4, 5).
        gap (float): Seconds between segments. Defaults to 1.
        shuffle (bool): Shuffle the texts. Defaults to True.
    """

    def __init__(self, num_segments: int = 4, frames_per_segment: int = 3,
                 seg_lens: Sequence[float] = (3, 4, 5), gap: float = 1.,
                 shuffle: bool = True) -> None:
        self.num_segments = num_segments
        self.frames_per_segment = frames_per_segment
        self.seg_lens = tuple(seg_lens)
        self.gap = gap
        self.shuffle = shuffle
        self.rng = np.random.default_rng()

    def transform(self, results: Dict) -> Dict:
        fps, total = results['avg_fps'], results['total_frames']
        duration = results.get('duration') or total / fps
        windows = sample_segments(duration, self.num_segments, self.seg_lens,
                                  self.gap, self.rng)
        texts = segment_texts(results['words'], windows)
        n = self.frames_per_segment * self.num_segments
        first = windows[0][0] * fps
        edges = np.linspace(first, windows[-1][1] * fps, n + 1)
        inds = edges[:-1] + self.rng.random(n) * np.diff(edges)
        results['frame_inds'] = np.clip(inds.astype(np.int64), 0, total - 1)
        results['clip_len'], results['num_clips'] = n, 1
        results['frame_interval'] = None
        if self.shuffle:
            texts, order = shuffle_texts(texts, self.rng)
        else:
            order = np.arange(self.num_segments)
        results['text'], results['order_labels'] = texts, order
        return results


@DATASETS.register_module()
class ASRTranscriptDataset(BaseDataset):
    """Videos with word-level ASR timestamps (module doc), checked on load.

    Each entry is one sample with ``video``/``filename``, ``words``,
    ``duration`` when given, and ``source_idx`` (its index, for VTC).
    """

    def __init__(self, ann_file: str, data_prefix: Optional[Dict] = None,
                 **kwargs) -> None:
        super().__init__(ann_file=ann_file,
                         data_prefix=data_prefix or dict(video=''), **kwargs)

    def load_data_list(self) -> List[Dict]:
        entries = load_json_list(self.ann_file)
        check_transcripts(entries, self.ann_file)
        root = self.data_prefix.get('video', '')
        data = []
        for i, entry in enumerate(entries):
            info = dict(entry, filename=osp.join(root, entry['video']),
                        source_idx=i)
            data.append(info)
        return data


@DATASETS.register_module()
class ConcatClipSortDataset(BaseDataset):
    """Text sorting without timestamps: ``K`` captioned clips in a row.

    Sample ``i`` is entry ``i`` followed by ``K - 1`` other random entries of
    a caption annotation file (``{"video": path, "caption": str}``); each
    clip goes through ``pipeline`` (ending with ``FormatShape``), the clips
    are concatenated along time, the ``K`` captions are shown shuffled with
    their positions as ``order_labels``, then ``post_pipeline`` runs
    (tokenising and packing).

    Args:
        ann_file (str): Caption annotation file.
        pipeline (list): Per-clip pipeline.
        post_pipeline (list): Pipeline of the concatenated sample.
        num_segments (int): ``K``. Defaults to 4.
        data_prefix (dict, optional): ``video`` folder.
    """

    def __init__(self, ann_file: str, pipeline: List, post_pipeline: List,
                 num_segments: int = 4, data_prefix: Optional[Dict] = None,
                 **kwargs) -> None:
        self.num_segments = num_segments
        self.post_pipeline = Compose(post_pipeline)
        self.rng = np.random.default_rng()
        super().__init__(ann_file=ann_file, pipeline=pipeline,
                         data_prefix=data_prefix or dict(video=''), **kwargs)

    def load_data_list(self) -> List[Dict]:
        entries = load_json_list(self.ann_file)
        root = self.data_prefix.get('video', '')
        data = []
        for i, entry in enumerate(entries):
            caption = entry.get('caption') if isinstance(entry, dict) \
                else None
            if isinstance(caption, list):
                caption = caption[0] if caption else None
            if not isinstance(caption, str) or 'video' not in entry:
                raise ValueError(f"{self.ann_file}: entry {i}: needs "
                                 "'video' and a string 'caption'")
            data.append(dict(filename=osp.join(root, entry['video']),
                             caption=caption, source_idx=i, start_index=0,
                             modality='RGB'))
        if len(data) < self.num_segments:
            raise ValueError(f'{self.ann_file}: {len(data)} entries, fewer '
                             f'than num_segments={self.num_segments}')
        return data

    def prepare_data(self, idx: int):
        others = self.rng.choice(
            [i for i in range(len(self)) if i != idx],
            self.num_segments - 1, replace=False)
        clips, texts = [], []
        for i in [idx, *others]:
            info = self.get_data_info(int(i))
            clips.append(self.pipeline(info)['imgs'])
            texts.append(info['caption'])
        texts, order = shuffle_texts(texts, self.rng)
        return self.post_pipeline(dict(
            imgs=np.concatenate(clips, axis=-3), text=texts,
            order_labels=order, source_idx=self.get_data_info(idx)[
                'source_idx']))
