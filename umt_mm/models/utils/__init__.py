"""Model utilities: the ``umt://`` backbone checkpoint loader."""
from .checkpoint_loading import (UMT_SCHEME, extract_student,
                                 find_student_prefix, load_umt_student)

__all__ = ['UMT_SCHEME', 'extract_student', 'find_student_prefix',
           'load_umt_student']
