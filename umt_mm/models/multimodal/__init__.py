"""UMT stage 2: video-language pre-training, retrieval and video QA."""
from .losses import (all_gather_no_grad, all_gather_with_grad, mask_tokens,
                     sample_hard_negatives, vtc_loss)
from .text_encoder import (DEFAULT_TEXT_MODEL, UMTTextEncoder,
                           resolve_text_model_dir)
from .tvts import TranscriptSortHead, TVTSv2Pretrain, transcript_sort_loss
from .umt_qa import UMTQA, UMTAnswerDecoder
from .umt_stage2 import UMTStage2

__all__ = [
    'UMTStage2', 'UMTQA', 'UMTAnswerDecoder', 'UMTTextEncoder',
    'DEFAULT_TEXT_MODEL', 'resolve_text_model_dir', 'vtc_loss',
    'sample_hard_negatives', 'mask_tokens', 'all_gather_with_grad',
    'all_gather_no_grad', 'TVTSv2Pretrain', 'TranscriptSortHead',
    'transcript_sort_loss'
]
