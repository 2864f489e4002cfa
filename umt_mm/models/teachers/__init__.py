from .clip_checkpoint import load_clip_visual_state_dict
from .clip_teacher import CLIPTeacher

__all__ = ['CLIPTeacher', 'load_clip_visual_state_dict']
