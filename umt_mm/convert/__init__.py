"""Checkpoint layout conversions (pure key remaps) for released UMT models."""
from .official import (convert_official, convert_official_stage1,
                       detect_official_layout, load_state_dict_file,
                       save_checkpoint_atomic)

__all__ = ['convert_official', 'convert_official_stage1',
           'detect_official_layout', 'load_state_dict_file',
           'save_checkpoint_atomic']
from . import ava  # noqa: F401,E402 (registers the 'ava' layout)
from . import finetune  # noqa: E402,F401  (fine-tuned classifier layouts)
from . import stage2  # noqa: F401,E402  (registers the 'stage2' layout)
