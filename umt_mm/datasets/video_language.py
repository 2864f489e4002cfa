"""Video-language fine-tuning datasets in the official UMT formats.

* :class:`RetrievalTrainDataset`: retrieval fine-tuning pairs,
  ``[{"video": path, "caption": str | [str, ...]}]``.
* :class:`VideoQADataset`: open-ended QA,
  ``[{"video": path, "question": str, "answer": str | [str, ...],
  "question_id": int | str}]`` (+ a JSON answer list for testing).
* :class:`MultipleChoiceDataset`: MSRVTT multiple choice,
  ``[{"video": path, "caption": [option, ...], "answer": int}]``.

Malformed entries raise an error naming the file and the entry index
(``tools/data/check_annotations.py`` checks a file without loading media).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from ..registry import DATASETS
from .caption_dataset import load_json_list


def entry_error(ann_file: str, index: int, message: str) -> ValueError:
    return ValueError(f'{ann_file}: entry {index}: {message}')


def entry_captions(ann_file: str, index: int, entry: Dict) -> List[str]:
    """The caption(s) of an entry as a non-empty list of strings."""
    captions = entry.get('caption')
    if isinstance(captions, str):
        captions = [captions]
    if not isinstance(captions, list) or not captions or not all(
            isinstance(c, str) for c in captions):
        raise entry_error(ann_file, index,
                          "'caption' must be a string or a non-empty list "
                          f'of strings, got {captions!r}')
    return captions


def entry_video(ann_file: str, index: int, entry: Dict,
                key: str = 'video') -> str:
    video = entry.get(key)
    if not isinstance(video, str) or not video:
        raise entry_error(ann_file, index, f'no {key!r} path: {entry!r}')
    return video


def answer_weights(answers: Union[str, Sequence[str]]
                   ) -> Tuple[List[str], List[float]]:
    """Distinct answers and their weights (each annotator answer counts
    ``1 / len(answers)``), the official ``get_answers_with_weights``."""
    if isinstance(answers, str):
        answers = [answers]
    weights: Dict[str, float] = {}
    for a in answers:
        weights[a] = weights.get(a, 0.0) + 1.0 / len(answers)
    return list(weights), list(weights.values())


@DATASETS.register_module()
class RetrievalTrainDataset(BaseDataset):
    """Video-caption pairs for retrieval fine-tuning (official loader).

    One sample per caption (a caption list is expanded, its captions are
    positives of each other). ``source_idx`` (the VTC / VTM identity) is
    shared by the entries of one video file (official: keyed by the file's
    basename) or, with ``match_by='caption'``, of one caption (SSv2, where
    a label describes many videos: ``has_multi_vision_gt``).

    Args:
        ann_file (str): The JSON annotation file.
        pipeline (list): Video transforms.
        data_prefix (dict): ``video``: folder of the video paths.
        paragraph (bool): Join a caption list into one paragraph (DiDeMo,
            ActivityNet). Defaults to False.
        match_by (str): ``'video'`` or ``'caption'``. Defaults to 'video'.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List,
                 data_prefix: Optional[Dict] = None,
                 paragraph: bool = False,
                 match_by: str = 'video',
                 **kwargs) -> None:
        if match_by not in ('video', 'caption'):
            raise ValueError(f"match_by must be 'video' or 'caption', got "
                             f'{match_by!r}')
        self.paragraph = paragraph
        self.match_by = match_by
        super().__init__(ann_file=ann_file, pipeline=pipeline,
                         data_prefix={'video': '', **(data_prefix or {})},
                         **kwargs)

    def load_data_list(self) -> List[Dict]:
        ids: Dict[str, int] = {}
        data_list = []
        for i, entry in enumerate(load_json_list(self.ann_file)):
            video = entry_video(self.ann_file, i, entry)
            captions = entry_captions(self.ann_file, i, entry)
            if self.paragraph:
                captions = [' '.join(c.strip() for c in captions)]
            for caption in captions:
                key = osp.basename(video) if self.match_by == 'video' \
                    else caption
                data_list.append(dict(
                    filename=osp.join(self.data_prefix['video'], video),
                    text=caption, source_idx=ids.setdefault(key, len(ids)),
                    start_index=0, modality='RGB'))
        return data_list


@DATASETS.register_module()
class VideoQADataset(BaseDataset):
    """Open-ended video QA (MSRVTT-QA, MSVD-QA, ActivityNet-QA).

    Training samples carry ``question``, the distinct ``answers`` and their
    ``answer_weights``; test samples ``question``, ``question_id`` and the
    ground truth ``gt_answer``; ``question_type`` is the entry's optional
    ``type`` (per-type accuracy).

    Args:
        ann_file (str): The JSON annotation file.
        pipeline (list): Video transforms, then ``TokenizeText`` with
            ``key='question'`` (official length 25).
        data_prefix (dict): ``video``: folder of the video paths.
        answer_list (str, optional): The JSON answer list; test answers not
            in it are counted and logged (they can never be predicted and
            count as wrong, as in the official evaluation), or rejected
            with ``strict_answers``.
        strict_answers (bool): Raise on the first test answer that is not
            in ``answer_list``. Defaults to False.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List,
                 data_prefix: Optional[Dict] = None,
                 answer_list: Optional[str] = None,
                 strict_answers: bool = False,
                 **kwargs) -> None:
        self.answer_list = answer_list
        self.strict_answers = strict_answers
        super().__init__(ann_file=ann_file, pipeline=pipeline,
                         data_prefix={'video': '', **(data_prefix or {})},
                         **kwargs)

    def _check_answers(self, data_list: List[Dict]) -> None:
        from ..models.multimodal.umt_qa import load_answer_list
        known = set(load_answer_list(self.answer_list))
        outside = [(i, d['gt_answer']) for i, d in enumerate(data_list)
                   if not set(d['answers']) & known]
        if not outside:
            return
        first = f'entry {outside[0][0]} (answer {outside[0][1]!r})'
        if self.strict_answers:
            raise ValueError(f'{self.ann_file}: {first} is not in the answer '
                             f'list {self.answer_list}')
        MMLogger.get_current_instance().warning(
            f'{self.ann_file}: {len(outside)} of {len(data_list)} answers '
            f'are not in {self.answer_list} (first: {first}); they count '
            'as wrong')

    def load_data_list(self) -> List[Dict]:
        data_list = []
        for i, entry in enumerate(load_json_list(self.ann_file)):
            video = entry_video(self.ann_file, i, entry)
            question = entry.get('question')
            answer = entry.get('answer')
            if not isinstance(question, str) or not question.strip():
                raise entry_error(self.ann_file, i, 'no question')
            if not (isinstance(answer, str) or (
                    isinstance(answer, list) and answer and
                    all(isinstance(a, str) for a in answer))):
                raise entry_error(self.ann_file, i,
                                  "'answer' must be a string or a non-empty "
                                  f'list of strings, got {answer!r}')
            answers, weights = answer_weights(answer)
            data_list.append(dict(
                filename=osp.join(self.data_prefix['video'], video),
                question=question, answers=answers, answer_weights=weights,
                gt_answer=answer, question_id=entry.get('question_id', i),
                question_type=entry.get('type', ''), start_index=0,
                modality='RGB'))
        if self.answer_list and self.test_mode:
            self._check_answers(data_list)
        return data_list


@DATASETS.register_module()
class MultipleChoiceDataset(BaseDataset):
    """Multiple-choice video-to-text (MSRVTT-MC): a video, its candidate
    captions (``text``, a list) and the index of the correct one
    (``answer``).

    Args:
        ann_file (str): The JSON annotation file.
        pipeline (list): Video transforms, then ``TokenizeText`` (a list of
            captions becomes ``(n, L)`` tokens).
        data_prefix (dict): ``video``: folder of the video paths.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List,
                 data_prefix: Optional[Dict] = None,
                 **kwargs) -> None:
        super().__init__(ann_file=ann_file, pipeline=pipeline,
                         data_prefix={'video': '', **(data_prefix or {})},
                         test_mode=True, **kwargs)

    def load_data_list(self) -> List[Dict]:
        data_list = []
        for i, entry in enumerate(load_json_list(self.ann_file)):
            video = entry_video(self.ann_file, i, entry)
            options = entry_captions(self.ann_file, i, entry)
            answer = entry.get('answer')
            if isinstance(answer, bool) or not isinstance(answer, int) or \
                    not 0 <= answer < len(options):
                raise entry_error(self.ann_file, i,
                                  f"'answer' must index one of the "
                                  f'{len(options)} captions, got {answer!r}')
            data_list.append(dict(
                filename=osp.join(self.data_prefix['video'], video),
                text=options, answer=answer, video_idx=i, start_index=0,
                modality='RGB'))
        return data_list


#: annotation kinds of :func:`check_annotation_file` -> their dataset
ANNOTATION_KINDS = dict(caption=RetrievalTrainDataset, qa=VideoQADataset,
                        mc=MultipleChoiceDataset)


def check_annotation_file(ann_file: str,
                          kind: str,
                          video_root: Optional[str] = None,
                          answer_list: Optional[str] = None) -> int:
    """Check an official-format annotation file without decoding media.

    Every entry is parsed as the dataset of ``kind`` does (``'caption'``:
    retrieval / caption corpora, ``'qa'``, ``'mc'``); with ``video_root``,
    every video must exist under it; with ``answer_list`` (QA), every answer
    must be in it.

    Returns:
        int: The number of entries.

    Raises:
        ValueError: Naming the file and the first malformed entry.
        FileNotFoundError: Naming the file, the entry and the missing video.
    """
    if kind not in ANNOTATION_KINDS:
        raise ValueError(f'kind must be one of {sorted(ANNOTATION_KINDS)}, '
                         f'got {kind!r}')
    kwargs = dict(answer_list=answer_list, strict_answers=True,
                  test_mode=True) if kind == 'qa' and answer_list else {}
    ANNOTATION_KINDS[kind](ann_file, [], lazy_init=False, **kwargs)
    entries = load_json_list(ann_file)
    if video_root is not None:
        for i, entry in enumerate(entries):
            path = osp.join(video_root, entry['video'])
            if not osp.exists(path):
                raise FileNotFoundError(f'{ann_file}: entry {i}: video '
                                        f'{path} does not exist')
    return len(entries)
