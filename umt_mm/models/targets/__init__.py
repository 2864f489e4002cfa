"""Regression targets of masked video modelling (VideoMAE, MVD)."""
from .feature_teacher import FeatureTeacher, MAEViT
from .pixel_target import VideoPixelTarget

__all__ = ['FeatureTeacher', 'MAEViT', 'VideoPixelTarget']
