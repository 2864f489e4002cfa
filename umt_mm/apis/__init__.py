"""User-facing APIs: models by name, feature extraction, annotation lists,
mask drawing and ONNX export (the library side of the tools in
``tools/``; see docs/tools.md)."""
from .features import FeatureExtractor, extract_features, find_videos
from .file_list import build_file_list
from .mask_vis import mask_panels, render_grid, visualize_masks
from .model_zoo import (get_model, get_model_info, list_models,
                        load_zoo_weights, resolve_checkpoint)
from .onnx_export import export_onnx

__all__ = [
    'FeatureExtractor', 'extract_features', 'find_videos', 'build_file_list',
    'mask_panels', 'render_grid', 'visualize_masks', 'get_model',
    'get_model_info', 'list_models', 'load_zoo_weights',
    'resolve_checkpoint', 'export_onnx'
]
