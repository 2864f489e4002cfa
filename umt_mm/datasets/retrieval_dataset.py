"""Zero-shot video-text retrieval test sets in the official UMT formats.

One JSON list per dataset, ``{"video": path, "caption": str | [str, ...]}``:

* MSRVTT 1k-A, LSMDC: one caption per video.
* MSVD: a list of captions per video (each its own text).
* DiDeMo, ActivityNet: a list of sentences joined into one paragraph
  (``paragraph=True``).
* SSv2-label / SSv2-template: one label / template caption per video, shared
  by many videos (``dedup_texts=True``: one text per distinct caption, every
  video with it is a correct match).

Each sample is a video with all its captions (``text``, a list) and their
global text ids (``text_ids``); the metric builds the text -> video ground
truth from them.
"""
import os.path as osp
from typing import Dict, List, Optional

from mmengine.dataset import BaseDataset

from ..registry import DATASETS
from .caption_dataset import load_json_list


@DATASETS.register_module()
class RetrievalDataset(BaseDataset):
    """Video-text retrieval dataset handling str-or-list captions.

    Args:
        ann_file (str): The JSON annotation file.
        pipeline (list): Video transforms (tokenise ``text`` with
            ``TokenizeText``).
        data_prefix (dict): ``video``: the folder of the video paths.
        media_key (str): Key of the media path. Defaults to ``'video'``.
        paragraph (bool): Join caption lists into one paragraph.
        dedup_texts (bool): One text per distinct caption string.
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List,
                 data_prefix: Optional[Dict] = None,
                 media_key: str = 'video',
                 paragraph: bool = False,
                 dedup_texts: bool = False,
                 **kwargs) -> None:
        self.media_key = media_key
        self.paragraph = paragraph
        self.dedup_texts = dedup_texts
        self.texts: List[str] = []
        self.txt2vid: List[int] = []
        super().__init__(ann_file=ann_file, pipeline=pipeline,
                         data_prefix={'video': '', **(data_prefix or {})},
                         test_mode=True, **kwargs)

    def load_data_list(self) -> List[Dict]:
        entries = load_json_list(self.ann_file)
        text_index: Dict[str, int] = {}
        texts, txt2vid, data_list = [], [], []
        for vid, entry in enumerate(entries):
            captions = entry['caption']
            if isinstance(captions, str):
                captions = [captions]
            if self.paragraph:
                captions = [' '.join(c.strip() for c in captions)]
            ids = []
            for caption in captions:
                if self.dedup_texts and caption in text_index:
                    ids.append(text_index[caption])
                    continue
                text_index.setdefault(caption, len(texts))
                ids.append(len(texts))
                texts.append(caption)
                txt2vid.append(vid)
            data_list.append(dict(
                filename=osp.join(self.data_prefix['video'],
                                  entry[self.media_key]),
                text=captions, text_ids=ids, video_idx=vid, start_index=0,
                modality='RGB'))
        self.texts, self.txt2vid = texts, txt2vid
        return data_list
