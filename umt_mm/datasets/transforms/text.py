"""Text tokenisation (and image-as-clip) transforms for UMT stage 2."""
import re
from typing import Dict, List, Union

import numpy as np
from mmcv.transforms import BaseTransform

from ...registry import TRANSFORMS

_PUNCT = re.compile(r"([,.'!?\"()*#:;~])")


def pre_caption(text: str) -> str:
    """Official ``pre_text``: lower case, strip punctuation and spaces."""
    text = _PUNCT.sub('', text.lower())
    text = text.replace('-', ' ').replace('/', ' ').replace('<person>',
                                                            'person')
    return re.sub(r'\s{2,}', ' ', text).strip()


@TRANSFORMS.register_module()
class TokenizeText(BaseTransform):
    """Tokenise ``results[key]`` (a caption or a list of captions).

    Adds ``input_ids`` and ``attention_mask`` (int64, padded to
    ``max_length``): ``(L,)`` for a string, ``(n, L)`` for a list.

    Args:
        tokenizer (str): A transformers tokenizer directory or the alias
            ``'minilm-l6'`` (loaded offline, lazily in each worker).
        max_length (int): Token length. Defaults to 32.
        key (str): The caption key. Defaults to ``'text'``.
        clean (bool): Apply the official caption cleaning. Defaults to True.
    """

    def __init__(self, tokenizer: str = 'minilm-l6', max_length: int = 32,
                 key: str = 'text', clean: bool = True) -> None:
        self.tokenizer_path = tokenizer
        self.max_length = max_length
        self.key = key
        self.clean = clean
        self._tokenizer = None

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            from ...models.multimodal.text_encoder import \
                resolve_text_model_dir
            self._tokenizer = AutoTokenizer.from_pretrained(
                resolve_text_model_dir(self.tokenizer_path),
                local_files_only=True)
        return self._tokenizer

    def __getstate__(self):
        state = dict(self.__dict__)
        state['_tokenizer'] = None  # rebuilt in each worker
        return state

    def transform(self, results: Dict) -> Dict:
        text: Union[str, List[str]] = results[self.key]
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        if self.clean:
            texts = [pre_caption(t) for t in texts]
        enc = self.tokenizer(texts, padding='max_length', truncation=True,
                             max_length=self.max_length, return_tensors='np')
        ids = enc['input_ids'].astype(np.int64)
        mask = enc['attention_mask'].astype(np.int64)
        results['input_ids'] = ids[0] if single else ids
        results['attention_mask'] = mask[0] if single else mask
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(tokenizer={self.tokenizer_path!r}, '
                f'max_length={self.max_length}, key={self.key!r})')


@TRANSFORMS.register_module()
class ImageToClip(BaseTransform):
    """Turn a loaded image (``img``) into a 1-frame clip for video transforms.

    Sets ``imgs = [img]``, ``clip_len = num_clips = 1`` and the shapes, so
    that mmaction2's ``Resize`` / ``RandomResizedCrop`` / ``FormatShape``
    treat an image as a single-frame video (UMT stage 2 image corpora).

    Args:
        bgr_to_rgb (bool): Reverse the channels: ``mmcv.LoadImageFromFile``
            gives BGR, video decoders give RGB frames. Defaults to True.
    """

    def __init__(self, bgr_to_rgb: bool = True) -> None:
        self.bgr_to_rgb = bgr_to_rgb

    def transform(self, results: Dict) -> Dict:
        img = results.pop('img')
        if self.bgr_to_rgb:
            img = np.ascontiguousarray(img[..., ::-1])
        results['imgs'] = [img]
        results['original_shape'] = img.shape[:2]
        results['img_shape'] = img.shape[:2]
        results['clip_len'] = 1
        results['num_clips'] = 1
        results['frame_inds'] = np.zeros(1, dtype=np.int64)
        results['frame_interval'] = None
        results['modality'] = 'RGB'
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(bgr_to_rgb={self.bgr_to_rgb})'
